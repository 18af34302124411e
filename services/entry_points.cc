#include "services/entry_points.h"

#include <set>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "services/lead_fields.h"
#include "services/util/status_macros.h"
#include "services/validators.h"

namespace leadcapture {
namespace {

constexpr absl::string_view kDefaultLeadSource = "Web Site";
constexpr int kDefaultOptInLifetimeHours = 48;
// A year: links that live longer are a mistake, not a setting.
constexpr int kMaxOptInLifetimeHours = 24 * 366;

absl::Status CheckOptInSettings(const v1::EntryPoint& entry_point) {
  if (entry_point.opt_in_lifetime_hours() < 1 ||
      entry_point.opt_in_lifetime_hours() > kMaxOptInLifetimeHours) {
    return absl::InvalidArgumentError(absl::StrCat(
        "opt_in_lifetime_hours: must be from 1 to ", kMaxOptInLifetimeHours));
  }
  const std::string& redirect = entry_point.opt_in_success_redirect_url();
  if (!redirect.empty() && ((!absl::StartsWith(redirect, "https://") &&
                             !absl::StartsWith(redirect, "http://")) ||
                            !IsValidUrl(redirect))) {
    return absl::InvalidArgumentError(
        "opt_in_success_redirect_url: must be an http(s) URL");
  }
  if (!entry_point.mail_from().empty() &&
      !IsValidEmail(entry_point.mail_from())) {
    return absl::InvalidArgumentError("mail_from: not a valid e-mail address");
  }
  if (entry_point.opt_in_success_message().size() > 64 * 1024) {
    return absl::InvalidArgumentError("opt_in_success_message: at most 64 KiB");
  }
  if (entry_point.opt_in() &&
      !absl::c_linear_search(entry_point.payload_fields(), "emailAddress")) {
    return absl::InvalidArgumentError(
        "opt_in: double opt-in needs emailAddress among the payload fields");
  }
  return absl::OkStatus();
}

std::string CanonicalOrigin(absl::string_view origin) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(origin);
  while (absl::ConsumeSuffix(&trimmed, "/")) {
  }
  return absl::AsciiStrToLower(trimmed);
}

bool IsValidOrigin(absl::string_view origin) {
  absl::string_view rest = origin;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  if (rest.empty() || rest.find_first_of("/?#@") != absl::string_view::npos) {
    return false;
  }
  return IsValidUrl(origin);
}

absl::Status CheckPayloadFields(const v1::EntryPoint& entry_point) {
  std::set<std::string> seen;
  for (const std::string& field : entry_point.payload_fields()) {
    if (FindFieldSpec(field) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "payload_fields: unknown field \"", field,
          "\"; known fields: ", absl::StrJoin(AllFieldNames(), ", ")));
    }
    if (!seen.insert(field).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("payload_fields: \"", field, "\" is named twice"));
    }
  }
  for (const std::string& field : entry_point.required_fields()) {
    if (!seen.count(field)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "required_fields: \"", field, "\" is not one of the payload fields"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReferences(const v1::EntryPoint& entry_point,
                             storage::Transaction& tx) {
  if (!entry_point.target_list_id().empty()) {
    LC_RETURN_IF_ERROR(tx.GetTargetList(entry_point.target_list_id()).status());
  }
  if (!entry_point.target_team_id().empty()) {
    LC_RETURN_IF_ERROR(tx.GetTeam(entry_point.target_team_id()).status());
  }
  if (!entry_point.campaign_id().empty()) {
    LC_RETURN_IF_ERROR(tx.GetCampaign(entry_point.campaign_id()).status());
  }
  if (!entry_point.opt_in_template_id().empty()) {
    LC_RETURN_IF_ERROR(
        tx.GetEmailTemplate(entry_point.opt_in_template_id()).status());
  }
  return absl::OkStatus();
}

std::string HtmlForm(const v1::EntryPoint& entry_point, absl::string_view url) {
  std::string inputs;
  for (const std::string& field : entry_point.payload_fields()) {
    const FieldSpec* spec = FindFieldSpec(field);
    std::string type = "text";
    if (spec != nullptr && spec->type == FieldType::kEmail) type = "email";
    if (spec != nullptr && spec->type == FieldType::kPhone) type = "tel";
    if (spec != nullptr && spec->type == FieldType::kUrl) type = "url";
    const bool required =
        absl::c_linear_search(entry_point.required_fields(), field);
    absl::StrAppend(&inputs, "    <input type=\"", type, "\" name=\"", field,
                    "\" placeholder=\"", field, "\"",
                    required ? " required" : "", ">\n");
  }
  // fetch() reads the answer in a promise, so no `this` is involved; the
  // form shows "Sent" only on a 200 and the server's reason otherwise.
  return absl::StrCat(
      "<div id=\"lead-form-container\">\n"
      "  <form id=\"lead-form\">\n",
      inputs,
      "    <button type=\"submit\">Submit</button>\n"
      "    <p id=\"lead-form-status\" role=\"status\"></p>\n"
      "  </form>\n"
      "</div>\n"
      "<script>\n"
      "(function () {\n"
      "  var form = document.getElementById('lead-form');\n"
      "  var status = document.getElementById('lead-form-status');\n"
      "  var url = '",
      url,
      "';\n"
      "  form.addEventListener('submit', function (event) {\n"
      "    event.preventDefault();\n"
      "    var button = form.querySelector('button');\n"
      "    if (button.disabled) return;\n"
      "    button.disabled = true;\n"
      "    var payload = {};\n"
      "    new FormData(form).forEach(function (value, key) {\n"
      "      payload[key] = value === '' ? null : value;\n"
      "    });\n"
      "    fetch(url, {\n"
      "      method: 'POST',\n"
      "      headers: {'Content-Type': 'application/json',\n"
      "                'Accept': 'application/json'},\n"
      "      body: JSON.stringify(payload)\n"
      "    }).then(function (response) {\n"
      "      if (response.ok) {\n"
      "        document.getElementById('lead-form-container').textContent =\n"
      "            'Sent';\n"
      "        return;\n"
      "      }\n"
      "      status.textContent = response.headers.get('X-Status-Reason') ||\n"
      "          ('Error ' + response.status);\n"
      "      button.disabled = false;\n"
      "    }).catch(function () {\n"
      "      status.textContent = 'Could not send; please try again.';\n"
      "      button.disabled = false;\n"
      "    });\n"
      "  });\n"
      "})();\n"
      "</script>\n");
}

}  // namespace

void ApplyEntryPointDefaults(v1::EntryPoint* entry_point) {
  entry_point->set_name(
      std::string(absl::StripAsciiWhitespace(entry_point->name())));
  if (!entry_point->has_is_active()) entry_point->set_is_active(true);
  if (entry_point->payload_fields().empty()) {
    for (const std::string& field : DefaultPayloadFields()) {
      entry_point->add_payload_fields(field);
    }
  }
  if (!entry_point->has_subscribe_to_target_list()) {
    entry_point->set_subscribe_to_target_list(true);
  }
  if (!entry_point->has_subscribe_contact_if_exists()) {
    entry_point->set_subscribe_contact_if_exists(true);
  }
  if (!entry_point->has_duplicate_check()) {
    entry_point->set_duplicate_check(true);
  }
  if (absl::StripAsciiWhitespace(entry_point->lead_source()).empty()) {
    entry_point->set_lead_source(std::string(kDefaultLeadSource));
  }
  std::string country(absl::StripAsciiWhitespace(entry_point->phone_country()));
  absl::AsciiStrToUpper(&country);
  entry_point->set_phone_country(country);
  for (std::string& origin : *entry_point->mutable_allowed_origins()) {
    origin = CanonicalOrigin(origin);
  }
  if (entry_point->opt_in_lifetime_hours() == 0) {
    entry_point->set_opt_in_lifetime_hours(kDefaultOptInLifetimeHours);
  }
  entry_point->set_mail_from(
      std::string(absl::StripAsciiWhitespace(entry_point->mail_from())));
}

absl::Status ValidateEntryPoint(const v1::EntryPoint& entry_point,
                                storage::Transaction& tx) {
  if (entry_point.name().empty()) {
    return absl::InvalidArgumentError("name: an entry point needs a name");
  }
  if (Utf8Length(entry_point.name()) > 255) {
    return absl::InvalidArgumentError("name: at most 255 characters");
  }
  LC_RETURN_IF_ERROR(CheckPayloadFields(entry_point));
  if (!entry_point.phone_country().empty() &&
      !IsPhoneCountry(entry_point.phone_country())) {
    return absl::InvalidArgumentError(
        absl::StrCat("phone_country: \"", entry_point.phone_country(),
                     "\" is not an ISO 3166 alpha-2 country code"));
  }
  for (const std::string& origin : entry_point.allowed_origins()) {
    if (!IsValidOrigin(origin)) {
      return absl::InvalidArgumentError(
          absl::StrCat("allowed_origins: \"", origin,
                       "\" is not an origin of the form https://host[:port]"));
    }
  }
  if (Utf8Length(entry_point.lead_source()) > 255) {
    return absl::InvalidArgumentError("lead_source: at most 255 characters");
  }
  LC_RETURN_IF_ERROR(CheckOptInSettings(entry_point));
  return CheckReferences(entry_point, tx);
}

v1::EntryPointExample MakeExample(const v1::EntryPoint& entry_point,
                                  absl::string_view public_url) {
  v1::EntryPointExample example;
  const std::string url =
      absl::StrCat(absl::StripSuffix(public_url, "/"), "/api/v1/LeadCapture/",
                   entry_point.api_key());
  example.set_url(url);
  example.set_method("POST");
  example.add_headers("Content-Type: application/json");
  example.add_headers("Accept: application/json");

  nlohmann::ordered_json payload = nlohmann::ordered_json::object();
  for (const std::string& field : entry_point.payload_fields()) {
    payload[field] = nullptr;
  }
  example.set_payload(payload.dump(2));
  example.set_curl(absl::StrCat(
      "curl -X POST '", url,
      "' -H 'Content-Type: application/json' -H 'Accept: application/json'"
      " -d '",
      absl::StrReplaceAll(payload.dump(), {{"'", "'\\''"}}), "'"));
  example.set_html_form(HtmlForm(entry_point, url));
  return example;
}

}  // namespace leadcapture
