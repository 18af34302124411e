#include "services/opt_in_mail.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace leadcapture {
namespace {

constexpr absl::string_view kLinkLabel = "Confirm Opt-In";

// The values of the fixed placeholders, unescaped.
struct Values {
  std::string url;
  std::string date;
  std::string time;
  std::string date_time;
};

// Replaces every {name} in `text` by what `value_of` gives for it; a name it
// does not know (nullopt) is left as written.
template <typename ValueOf>
std::string ReplacePlaceholders(absl::string_view text, ValueOf value_of) {
  std::string out;
  while (!text.empty()) {
    const std::size_t open = text.find('{');
    if (open == absl::string_view::npos) break;
    const std::size_t close = text.find('}', open + 1);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(0, open));
    absl::string_view name = text.substr(open + 1, close - open - 1);
    std::optional<std::string> value = value_of(name);
    if (value.has_value()) {
      absl::StrAppend(&out, *value);
    } else {
      absl::StrAppend(&out, text.substr(open, close - open + 1));
    }
    text.remove_prefix(close + 1);
  }
  absl::StrAppend(&out, text);
  return out;
}

// The unescaped value of a placeholder, or nullopt for an unknown one.
std::optional<std::string> PlaceholderValue(absl::string_view name,
                                            const Values& values,
                                            const CleanPayload& payload) {
  if (name == "optInUrl") return values.url;
  if (name == "optInDate") return values.date;
  if (name == "optInTime") return values.time;
  if (name == "optInDateTime") return values.date_time;
  absl::string_view field = name;
  if (absl::ConsumePrefix(&field, "Lead.") ||
      absl::ConsumePrefix(&field, "Person.")) {
    const std::string* value = payload.Find(field);
    return value == nullptr ? std::string() : *value;
  }
  return std::nullopt;
}

bool HasUrlPlaceholder(absl::string_view body) {
  return absl::StrContains(body, "{optInUrl}") ||
         absl::StrContains(body, "{optInLink}");
}

std::string RenderText(absl::string_view body, const Values& values,
                       const CleanPayload& payload) {
  std::string text = ReplacePlaceholders(body, [&](absl::string_view name) {
    if (name == "optInLink") return std::optional<std::string>(values.url);
    return PlaceholderValue(name, values, payload);
  });
  if (!HasUrlPlaceholder(body)) absl::StrAppend(&text, "\n\n", values.url);
  return text;
}

std::string RenderHtml(absl::string_view body, const Values& values,
                       const CleanPayload& payload) {
  const std::string anchor = absl::StrCat("<a href=\"", HtmlEscape(values.url),
                                          "\">", kLinkLabel, "</a>");
  std::string html = ReplacePlaceholders(body, [&](absl::string_view name) {
    if (name == "optInLink") return std::optional<std::string>(anchor);
    std::optional<std::string> value = PlaceholderValue(name, values, payload);
    if (value.has_value()) value = HtmlEscape(*value);
    return value;
  });
  if (!HasUrlPlaceholder(body)) absl::StrAppend(&html, "\n<p>", anchor, "</p>");
  return html;
}

// A readable text version of an HTML body: tags dropped, block ends as
// line breaks, entities decoded, the link spelled out.
std::string TextFromHtml(absl::string_view html) {
  std::string text;
  bool in_tag = false;
  std::string tag;
  for (char c : html) {
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        std::string lower = absl::AsciiStrToLower(tag);
        if (absl::StartsWith(lower, "br") || absl::StartsWith(lower, "/p") ||
            absl::StartsWith(lower, "/div") || absl::StartsWith(lower, "/h") ||
            absl::StartsWith(lower, "/li") || absl::StartsWith(lower, "/tr")) {
          text.push_back('\n');
        }
      } else {
        tag.push_back(c);
      }
    } else if (c == '<') {
      in_tag = true;
      tag.clear();
    } else {
      text.push_back(c);
    }
  }
  return absl::StrReplaceAll(text, {{"&lt;", "<"},
                                    {"&gt;", ">"},
                                    {"&quot;", "\""},
                                    {"&#39;", "'"},
                                    {"&nbsp;", " "},
                                    {"&amp;", "&"}});
}

}  // namespace

v1::EmailTemplate DefaultOptInTemplate() {
  v1::EmailTemplate email_template;
  email_template.set_name("Double opt-in (built in)");
  email_template.set_subject("Please confirm your subscription");
  email_template.set_body(
      "Hello {Person.firstName},\n"
      "\n"
      "please confirm that you want to hear from us by opening this link:\n"
      "\n"
      "{optInUrl}\n"
      "\n"
      "The form was sent on {optInDate} at {optInTime}. If that was not "
      "you, ignore this mail and nothing will happen.\n");
  email_template.set_is_html(false);
  return email_template;
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

RenderedMail RenderOptInMail(const v1::EmailTemplate& email_template,
                             const CleanPayload& payload, absl::string_view url,
                             absl::Time submitted,
                             const MailTimeFormat& format) {
  Values values;
  values.url = std::string(url);
  values.date = absl::FormatTime(format.date_format, submitted, format.zone);
  values.time = absl::FormatTime(format.time_format, submitted, format.zone);
  values.date_time = absl::StrCat(values.date, " ", values.time);

  RenderedMail mail;
  mail.subject = ReplacePlaceholders(
      email_template.subject(), [&](absl::string_view name) {
        if (name == "optInLink") return std::optional<std::string>(values.url);
        return PlaceholderValue(name, values, payload);
      });
  // A subject is one line, whatever the template and values hold.
  absl::StrReplaceAll({{"\r", " "}, {"\n", " "}}, &mail.subject);
  if (email_template.is_html()) {
    mail.html_body = RenderHtml(email_template.body(), values, payload);
    mail.text_body = TextFromHtml(mail.html_body);
    if (!absl::StrContains(mail.text_body, values.url)) {
      absl::StrAppend(&mail.text_body, "\n\n", values.url);
    }
  } else {
    mail.text_body = RenderText(email_template.body(), values, payload);
  }
  return mail;
}

}  // namespace leadcapture
