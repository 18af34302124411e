#include "services/opt_in.h"

#include <cmark.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/mail/mime.h"
#include "services/time_util.h"
#include "services/util/field_error.h"
#include "services/util/random.h"
#include "services/util/status_macros.h"

namespace leadcapture {
namespace {

using storage::MemberType;

constexpr int kTokenBytes = 16;
constexpr int kTokenLength = 22;

absl::Status UnknownLink() {
  return absl::NotFoundError("unknown or expired link");
}

// Markdown to HTML with raw HTML and unsafe links dropped.
std::string SafeHtml(const std::string& markdown) {
  if (markdown.empty()) return "";
  char* html =
      cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_SAFE);
  std::string out = html == nullptr ? "" : html;
  std::free(html);
  return out;
}

// The domain of an address, for Message-IDs.
absl::string_view DomainOf(absl::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == absl::string_view::npos ? "localhost" : address.substr(at + 1);
}

v1::CaptureLog NewLog(const v1::EntryPoint& entry_point,
                      const CleanPayload& payload,
                      const v1::ClientContext& client, absl::Time now) {
  v1::CaptureLog log;
  log.set_id(NewId());
  log.set_entry_point_id(entry_point.id());
  log.set_payload(payload.ToJson());
  log.set_client_ip(CleanClientIp(client.ip()));
  log.set_user_agent(CleanUserAgent(client.user_agent()));
  *log.mutable_created_at() = ToTimestamp(now);
  return log;
}

// Whether the member is on the list and has not opted out.
absl::StatusOr<bool> IsSubscribed(storage::Transaction& tx,
                                  const std::string& list, MemberType type,
                                  const std::string& id) {
  LC_ASSIGN_OR_RETURN(auto membership, tx.GetMembership(list, type, id));
  return membership.has_value() && !membership->opted_out;
}

}  // namespace

std::string NewOptInToken() {
  return absl::WebSafeBase64Escape(RandomBytes(kTokenBytes));
}

bool IsWellFormedOptInToken(absl::string_view token) {
  if (token.size() != kTokenLength) return false;
  for (char c : token) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string OptInTokenHash(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

v1::OptInState StateOf(const v1::OptInRequest& request, absl::Time now) {
  if (request.has_confirmed_at()) return v1::CONFIRMED;
  if (now >= FromTimestamp(request.expires_at())) return v1::EXPIRED;
  return v1::PENDING;
}

absl::StatusOr<v1::CaptureLog> OptInProcessor::Request(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload, const v1::ClientContext& client) {
  const std::string* email = payload.Find("emailAddress");
  if (email == nullptr) {
    return FieldError("emailAddress", kRuleRequired,
                      "emailAddress is required for double opt-in");
  }
  const absl::Time now = clock_.Now();
  LC_RETURN_IF_ERROR(capture_.LockIdentities(tx, payload));

  if (entry_point.skip_confirmation_if_subscribed()) {
    LC_ASSIGN_OR_RETURN(auto skipped,
                        SkipIfSubscribed(tx, entry_point, payload));
    if (skipped.has_value()) {
      skipped->MergeFrom(NewLog(entry_point, payload, client, now));
      skipped->set_outcome(v1::OPT_IN_SKIPPED_SUBSCRIBED);
      LC_RETURN_IF_ERROR(tx.AddCaptureLog(*skipped));
      return *skipped;
    }
  }

  v1::CaptureLog log = NewLog(entry_point, payload, client, now);
  LC_ASSIGN_OR_RETURN(
      int64_t recent,
      tx.CountOptInRequestsSince(entry_point.id(), storage::EmailKey(*email),
                                 now - absl::Hours(24)));
  if (recent >= options_.max_mails_per_day) {
    log.set_outcome(v1::OPT_IN_MAIL_LIMITED);
    log.set_description(
        absl::StrCat("no mail: ", recent,
                     " confirmation mails went to this address in 24 hours"));
    LC_RETURN_IF_ERROR(tx.AddCaptureLog(log));
    return log;
  }

  std::string lead_id;
  if (entry_point.create_lead_before_confirmation()) {
    LC_ASSIGN_OR_RETURN(auto contact,
                        capture_.MatchContact(tx, entry_point, payload));
    LC_ASSIGN_OR_RETURN(auto lead,
                        capture_.MatchLead(tx, entry_point, payload));
    if (!contact.has_value() && !lead.has_value()) {
      LC_ASSIGN_OR_RETURN(lead,
                          capture_.CreateLead(tx, entry_point, payload, now));
      log.set_is_created(true);
    }
    if (lead.has_value() && !contact.has_value()) {
      lead_id = lead->id();
      log.set_target_type("lead");
      log.set_target_id(lead_id);
    }
  }

  LC_RETURN_IF_ERROR(
      IssueRequest(tx, entry_point, payload, client, lead_id, now).status());
  log.set_outcome(v1::PENDING_OPT_IN);
  log.set_description("confirmation mail queued");
  LC_RETURN_IF_ERROR(tx.AddCaptureLog(log));
  return log;
}

void OptInProcessor::Committed() {
  if (mail_queued_) mail_queued_();
}

absl::StatusOr<std::optional<v1::CaptureLog>> OptInProcessor::SkipIfSubscribed(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload) {
  if (!SubscribesToTargetList(entry_point)) return std::nullopt;
  const std::string& list = entry_point.target_list_id();
  v1::CaptureLog log;
  LC_ASSIGN_OR_RETURN(auto contact,
                      capture_.MatchContact(tx, entry_point, payload));
  if (contact.has_value()) {
    LC_ASSIGN_OR_RETURN(
        bool subscribed,
        IsSubscribed(tx, list, MemberType::kContact, contact->id()));
    if (!subscribed) return std::nullopt;
    log.set_target_type("contact");
    log.set_target_id(contact->id());
    return log;
  }
  LC_ASSIGN_OR_RETURN(auto lead, capture_.MatchLead(tx, entry_point, payload));
  if (!lead.has_value()) return std::nullopt;
  LC_ASSIGN_OR_RETURN(bool subscribed,
                      IsSubscribed(tx, list, MemberType::kLead, lead->id()));
  if (!subscribed) return std::nullopt;
  log.set_target_type("lead");
  log.set_target_id(lead->id());
  return log;
}

absl::StatusOr<v1::OptInRequest> OptInProcessor::IssueRequest(
    storage::Transaction& tx, const v1::EntryPoint& entry_point,
    const CleanPayload& payload, const v1::ClientContext& client,
    absl::string_view lead_id, absl::Time now) {
  const std::string token = NewOptInToken();
  // Entry points always carry a lifetime (the default is filled in when
  // they are saved); an hour is the floor should one not.
  const int hours = std::max(entry_point.opt_in_lifetime_hours(), 1);
  v1::OptInRequest request;
  request.set_id(NewId());
  request.set_entry_point_id(entry_point.id());
  request.set_email_address(*payload.Find("emailAddress"));
  request.set_payload(payload.ToJson());
  request.set_lead_id(std::string(lead_id));
  *request.mutable_created_at() = ToTimestamp(now);
  *request.mutable_expires_at() = ToTimestamp(now + absl::Hours(hours));
  request.set_client_ip(CleanClientIp(client.ip()));
  request.set_user_agent(CleanUserAgent(client.user_agent()));
  LC_RETURN_IF_ERROR(tx.CreateOptInRequest(request, OptInTokenHash(token)));

  v1::EmailTemplate email_template = DefaultOptInTemplate();
  if (!entry_point.opt_in_template_id().empty()) {
    auto chosen = tx.GetEmailTemplate(entry_point.opt_in_template_id());
    if (chosen.ok()) {
      email_template = *std::move(chosen);
    } else if (chosen.status().code() != absl::StatusCode::kNotFound) {
      return chosen.status();
    }
  }
  const std::string url =
      absl::StrCat(absl::StripSuffix(options_.public_url, "/"),
                   "/optin/confirm?token=", token);
  RenderedMail rendered =
      RenderOptInMail(email_template, payload, url, now, options_.time_format);

  mail::MailMessage outgoing;
  outgoing.from_address = entry_point.mail_from().empty()
                              ? options_.mail_from
                              : entry_point.mail_from();
  outgoing.to_address = request.email_address();
  outgoing.subject = rendered.subject;
  outgoing.text_body = std::move(rendered.text_body);
  outgoing.html_body = std::move(rendered.html_body);
  outgoing.date = now;
  outgoing.message_id = mail::NewMessageId(DomainOf(outgoing.from_address));

  v1::OutboxMessage message;
  message.set_id(NewId());
  message.set_kind("mail");
  message.set_recipient(outgoing.to_address);
  message.set_sender(outgoing.from_address);
  message.set_subject(outgoing.subject);
  message.set_status(v1::QUEUED);
  *message.mutable_next_attempt_at() = ToTimestamp(now);
  message.set_opt_in_request_id(request.id());
  *message.mutable_created_at() = ToTimestamp(now);
  LC_RETURN_IF_ERROR(
      tx.EnqueueOutboxMessage(message, mail::BuildMime(outgoing)));
  return request;
}

absl::StatusOr<std::optional<v1::OptInRequest>> OptInProcessor::FindRequest(
    storage::Transaction& tx, absl::string_view token) {
  if (!IsWellFormedOptInToken(token)) {
    return std::optional<v1::OptInRequest>();
  }
  return tx.FindOptInRequestByTokenHash(OptInTokenHash(token));
}

absl::StatusOr<std::optional<v1::OptInRequest>>
OptInProcessor::ConfirmationSince(storage::Transaction& tx,
                                  const v1::OptInRequest& request) {
  LC_ASSIGN_OR_RETURN(
      auto earlier,
      tx.FindConfirmedOptInRequest(request.entry_point_id(),
                                   storage::EmailKey(request.email_address())));
  // Only a confirmation after this request was made answers it; an older
  // one was consent given before, and this request is new consent.
  if (earlier.has_value() && FromTimestamp(earlier->confirmed_at()) <
                                 FromTimestamp(request.created_at())) {
    earlier.reset();
  }
  return earlier;
}

v1::ConfirmResponse OptInProcessor::Confirmed(
    const v1::EntryPoint& entry_point) const {
  v1::ConfirmResponse response;
  response.set_state(v1::CONFIRMED);
  response.set_success_html(SafeHtml(entry_point.opt_in_success_message()));
  response.set_success_redirect_url(entry_point.opt_in_success_redirect_url());
  return response;
}

absl::StatusOr<v1::ConfirmResponse> OptInProcessor::Confirm(
    const v1::ConfirmRequest& confirm) {
  if (!IsWellFormedOptInToken(confirm.token())) return UnknownLink();
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadWrite));
  LC_ASSIGN_OR_RETURN(auto request, FindRequest(*tx, confirm.token()));
  if (!request.has_value()) return UnknownLink();
  auto entry_point = tx->GetEntryPoint(request->entry_point_id());
  if (absl::IsNotFound(entry_point.status())) return UnknownLink();
  LC_RETURN_IF_ERROR(entry_point.status());

  const absl::Time now = clock_.Now();
  switch (StateOf(*request, now)) {
    case v1::CONFIRMED:
      return Confirmed(*entry_point);
    case v1::EXPIRED: {
      v1::ConfirmResponse expired;
      expired.set_state(v1::EXPIRED);
      return expired;
    }
    default:
      break;
  }

  // A second link of the same person finds the first confirmation's lead
  // and changes nothing else.
  LC_ASSIGN_OR_RETURN(CleanPayload payload,
                      CleanPayload::FromJson(request->payload()));
  LC_ASSIGN_OR_RETURN(auto earlier, ConfirmationSince(*tx, *request));
  if (earlier.has_value()) {
    if (request->lead_id().empty()) request->set_lead_id(earlier->lead_id());
  } else {
    v1::ClientContext client;
    client.set_ip(confirm.client_ip());
    client.set_user_agent(confirm.user_agent());
    LC_ASSIGN_OR_RETURN(
        v1::CaptureLog log,
        capture_.Apply(*tx, *entry_point, payload, client, request->lead_id()));
    if (log.target_type() == "lead") request->set_lead_id(log.target_id());
  }
  *request->mutable_confirmed_at() = ToTimestamp(now);
  request->set_confirm_ip(CleanClientIp(confirm.client_ip()));
  request->set_confirm_user_agent(CleanUserAgent(confirm.user_agent()));
  LC_RETURN_IF_ERROR(tx->UpdateOptInRequest(*request));
  LC_RETURN_IF_ERROR(tx->Commit());
  return Confirmed(*entry_point);
}

absl::StatusOr<v1::InspectResponse> OptInProcessor::Inspect(
    absl::string_view token) {
  v1::InspectResponse response;
  response.set_state(v1::UNKNOWN);
  if (!IsWellFormedOptInToken(token)) return response;
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadOnly));
  LC_ASSIGN_OR_RETURN(auto request, FindRequest(*tx, token));
  if (!request.has_value()) return response;
  auto entry_point = tx->GetEntryPoint(request->entry_point_id());
  if (absl::IsNotFound(entry_point.status())) return response;
  LC_RETURN_IF_ERROR(entry_point.status());
  response.set_state(StateOf(*request, clock_.Now()));
  *response.mutable_created_at() = request->created_at();
  *response.mutable_expires_at() = request->expires_at();
  response.set_confirm_with_button(entry_point->opt_in_confirm_with_button());
  return response;
}

absl::Status OptInProcessor::Resend(absl::string_view token) {
  if (!IsWellFormedOptInToken(token)) return UnknownLink();
  LC_ASSIGN_OR_RETURN(auto tx,
                      store_.Begin(storage::TransactionMode::kReadWrite));
  LC_ASSIGN_OR_RETURN(auto request, FindRequest(*tx, token));
  if (!request.has_value()) return UnknownLink();
  const absl::Time now = clock_.Now();
  LC_ASSIGN_OR_RETURN(auto earlier, ConfirmationSince(*tx, *request));
  if (StateOf(*request, now) != v1::PENDING || earlier.has_value()) {
    return absl::FailedPreconditionError(
        "the request is already confirmed or has expired");
  }
  auto entry_point = tx->GetEntryPoint(request->entry_point_id());
  if (absl::IsNotFound(entry_point.status())) return UnknownLink();
  LC_RETURN_IF_ERROR(entry_point.status());
  LC_ASSIGN_OR_RETURN(
      int64_t recent,
      tx->CountOptInRequestsSince(entry_point->id(),
                                  storage::EmailKey(request->email_address()),
                                  now - absl::Hours(24)));
  if (recent >= options_.max_mails_per_day) {
    return absl::ResourceExhaustedError(
        "the limit of confirmation mails for this address is reached");
  }
  LC_ASSIGN_OR_RETURN(CleanPayload payload,
                      CleanPayload::FromJson(request->payload()));
  v1::ClientContext client;
  client.set_ip(request->client_ip());
  client.set_user_agent(request->user_agent());
  LC_RETURN_IF_ERROR(
      IssueRequest(*tx, *entry_point, payload, client, request->lead_id(), now)
          .status());
  LC_RETURN_IF_ERROR(tx->Commit());
  Committed();
  return absl::OkStatus();
}

}  // namespace leadcapture
