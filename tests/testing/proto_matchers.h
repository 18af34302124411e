// A gMock matcher for protobuf messages:
//
//   EXPECT_THAT(tx->GetLead(id), IsOkAndHolds(EqualsProto(lead)));
//
// Fields compare as MessageDifferencer::Equals does: explicit presence
// (proto3 `optional`, message fields) counts.
#ifndef LEADCAPTURE_TESTS_TESTING_PROTO_MATCHERS_H_
#define LEADCAPTURE_TESTS_TESTING_PROTO_MATCHERS_H_

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"

namespace leadcapture::testing {

MATCHER_P(EqualsProto, expected,
          std::string(negation ? "doesn't equal" : "equals") + " <" +
              expected.ShortDebugString() + ">") {
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << "which differs: " << differences;
  return false;
}

}  // namespace leadcapture::testing

#endif  // LEADCAPTURE_TESTS_TESTING_PROTO_MATCHERS_H_
