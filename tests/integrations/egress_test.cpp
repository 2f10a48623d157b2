// The egress client against a local receiver: URLs it accepts, addresses it refuses unless the
// operator allows private egress, keep-alive reuse, timeouts, the response cap, and stopping
// with requests in flight.
#include "integrations/egress.hpp"

#include <gtest/gtest.h>

#include <future>

#include "tests/integration/support/fake_http_server.hpp"

namespace sb::integrations {
namespace {
using namespace std::chrono_literals;
using switchboard::integration::fake_http_server;
using switchboard::integration::fake_request;
using switchboard::integration::fake_response;

egress_response send_and_wait(egress_client& c, egress_request r) {
  std::promise<egress_response> p;
  auto f = p.get_future();
  c.send(std::move(r), [&p](egress_response res) { p.set_value(std::move(res)); });
  return f.get();
}

egress_options private_allowed() {
  egress_options o;
  o.allow_private = true;
  return o;
}

TEST(EgressUrl, HttpAndHttpsWithPortsPathsAndIpv6Literals_Parse) {
  std::string err;
  auto u = parse_url("https://Hooks.Example.com/a/b?x=1#frag", err);
  ASSERT_TRUE(u) << err;
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "hooks.example.com");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/a/b?x=1");
  u = parse_url("http://[::1]:8081?q", err);
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "8081");
  EXPECT_EQ(u->target, "/?q");
  u = parse_url("http://example.com", err);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(u->port, "80");
}

TEST(EgressUrl, OtherSchemesCredentialsBadPortsAndSpaces_AreRefused) {
  std::string err;
  for (auto* bad : {"ftp://example.com/", "file:///etc/passwd", "example.com/x", "http://user:pw@example.com/",
                    "http://example.com:0/", "http://example.com:65536/", "http://example.com:8x/",
                    "http:///path", "http://exa mple.com/", "http://[::1/", "http://bad_host!/", "gopher://x"}) {
    EXPECT_FALSE(parse_url(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(EgressAddress, PrivateLoopbackLinkLocalAndSpecialRanges_AreNotPublic) {
  for (auto* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                   "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.10", "198.18.0.1", "::1",
                   "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                   "64:ff9b::a00:1", "2001:db8::1", "2002:7f00:1::1", "not-an-ip", ""})
    EXPECT_FALSE(public_address(ip)) << ip;
  for (auto* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34", "2606:4700::1111",
                   "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"})
    EXPECT_TRUE(public_address(ip)) << ip;
}

TEST(Egress, LoopbackReceiver_IsRefusedByDefaultAndNothingIsSent) {
  fake_http_server receiver;
  egress_client c{egress_options{}};
  auto r = send_and_wait(c, {"POST", receiver.url("/hook"), {}, "{}", {}});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  auto r2 = send_and_wait(c, {"POST", "http://localhost:" + std::to_string(receiver.port()) + "/", {}, "{}", {}});
  EXPECT_NE(r2.error.find("refused"), std::string::npos) << r2.error;
  EXPECT_EQ(receiver.count(), 0u);
}

TEST(Egress, AllowedPrivateEgress_PostsHeadersAndBodyAndReadsTheAnswer) {
  fake_http_server receiver([](const fake_request& q) {
    return fake_response{201, "{\"echo\":" + q.body + "}", "application/json", 0ms};
  });
  egress_client c{private_allowed()};
  auto r = send_and_wait(c, {"POST", receiver.url("/hook?a=1"), {{"Content-Type", "application/json"}, {"X-Test", "yes"}},
                             "{\"n\":1}", {}});
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "{\"echo\":{\"n\":1}}");
  EXPECT_EQ(r.content_type, "application/json");
  auto reqs = receiver.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/hook?a=1");
  EXPECT_EQ(reqs[0].header("x-test"), "yes");
  EXPECT_EQ(reqs[0].header("host"), "127.0.0.1:" + std::to_string(receiver.port()));
  EXPECT_NE(reqs[0].header("user-agent").find("Switchboard"), std::string::npos);
}

TEST(Egress, ManySequentialRequests_ReuseOneConnectionAndSurviveAReceiverRestart) {
  fake_http_server receiver;
  egress_client c{private_allowed()};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(send_and_wait(c, {"POST", receiver.url(), {}, "{}", {}}).ok());
  EXPECT_EQ(receiver.connections(), 1u);
  // The receiver closes every connection (restart): the pooled one is stale, the next request
  // still goes through on a fresh one.
  receiver.stop();
  receiver.start();
  auto r = send_and_wait(c, {"POST", receiver.url(), {}, "{}", {}});
  EXPECT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(receiver.count(), 21u);
  EXPECT_EQ(receiver.connections(), 2u);
}

TEST(Egress, DownReceiver_FailsWithAConnectError) {
  unsigned short port;
  {
    fake_http_server gone;
    port = gone.port();
  }
  egress_client c{private_allowed()};
  auto r = send_and_wait(c, {"POST", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "{}", {}});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error.rfind("connect", 0), 0u) << r.error;
}

TEST(Egress, SlowReceiver_TimesOutAtTheRequestTimeout) {
  fake_http_server receiver([](const fake_request&) { return fake_response{200, "{}", "application/json", 1500ms}; });
  egress_client c{private_allowed()};
  auto started = std::chrono::steady_clock::now();
  auto r = send_and_wait(c, {"POST", receiver.url(), {}, "{}", 200ms});
  EXPECT_EQ(r.error, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
}

TEST(Egress, AnswerOverTheCap_IsRefusedAsTooLarge) {
  fake_http_server receiver([](const fake_request&) { return fake_response{200, std::string(4096, 'x'), "text/plain", 0ms}; });
  auto o = private_allowed();
  o.max_response_bytes = 1024;
  egress_client c{o};
  EXPECT_EQ(send_and_wait(c, {"GET", receiver.url(), {}, "", {}}).error, "too_large");
}

TEST(Egress, BadUrlAndBadMethod_FailWithoutAConnection) {
  egress_client c{private_allowed()};
  EXPECT_EQ(send_and_wait(c, {"POST", "ftp://x/", {}, "", {}}).error.rfind("bad_url", 0), 0u);
  EXPECT_EQ(send_and_wait(c, {"FETCH ME", "http://127.0.0.1:1/", {}, "", {}}).error, "bad_method");
}

TEST(Egress, StoppingWithRequestsInFlight_AnswersEachOnceWithStopped) {
  fake_http_server receiver([](const fake_request&) { return fake_response{200, "{}", "application/json", 800ms}; });
  std::atomic<int> stopped{0}, answered{0};
  {
    egress_client c{private_allowed()};
    for (int i = 0; i < 5; ++i)
      c.send({"POST", receiver.url(), {}, "{}", {}}, [&](egress_response r) {
        ++answered;
        if (r.error == "stopped") ++stopped;
      });
    ASSERT_TRUE(receiver.wait_for(5, 5s));
  }
  EXPECT_EQ(answered.load(), 5);
  EXPECT_EQ(stopped.load(), 5);
}

}  // namespace
}  // namespace sb::integrations
