// ws_connection, the visitor's extras: the visit (online, country/city), identify (prechat),
// open (a widget open), business hours; and the agent's watch_stats. See ws_connection.hpp.
#include <nlohmann/json.hpp>

#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "actors/visitors/business_hours.hpp"
#include "actors/visitors/geoip.hpp"
#include "actors/visitors/visitor_directory.hpp"
#include "http/api_support.hpp"
#include "http/stats_watch.hpp"
#include "http/ws_connection.hpp"
#include "projections/time_zone.hpp"

namespace sb::http {
using json = nlohmann::json;

void ws_connection::visitor_greeted(json& welcome) {
  auto widget = app_.dir.widget(site_key_);
  welcome["open"] = !widget || visitors::is_open(widget->value("business_hours", json(nullptr)), unix_ms());
  if (!app_.visitors || counted_visit_) return;
  counted_visit_ = true;
  api_request r;  // only for the client address rule shared with HTTP
  r.remote_ip = remote_ip_;
  r.forwarded_for = forwarded_for_;
  visitors::seen_info seen{workspace_id_, site_key_, "unknown", "", ""};
  if (app_.geo) {
    auto g = app_.geo->lookup(client_ip(app_, r));
    seen.country = g.country;
    seen.city = g.city;
  }
  app_.visitors->connected(who_.who.id, seen, [](const visitors::visitor_result&) {});
}

std::string ws_connection::offline_message() const {
  auto widget = app_.dir.widget(site_key_);
  if (!widget || visitors::is_open(widget->value("business_hours", json(nullptr)), unix_ms())) return {};
  auto text = widget->value("offline_message", "");
  return text.empty() ? "We are away right now; leave a message and we will reply." : text;
}

void ws_connection::on_identify(const json& f) {
  std::string ref;
  if (auto id = f.find("id"); id != f.end() && id->is_string() && id->get_ref<const std::string&>().size() <= 256)
    ref = *id;
  if (!app_.visitors) return send_error(errc::unavailable, "visitors are not kept here", ref);
  auto widget = app_.dir.widget(site_key_);
  if (!widget) return send_error(errc::not_found, "this widget is gone", ref);
  app_.visitors->identify(who_.who.id, workspace_id_, f, *widget,
                          [w = weak_from_this(), ref](const visitors::visitor_result& r) {
                            auto self = w.lock();
                            if (!self) return;
                            self->on_strand([r, ref](ws_connection& c) {
                              if (r.error.code != errc::ok) return c.send_error(r.error.code, r.error.message, ref);
                              json frame{{"type", "visitor"}, {"visitor", r.visitor}};
                              if (!ref.empty()) frame["id"] = ref;
                              c.send(frame.dump());
                            });
                          });
}

void ws_connection::on_open(const json& f) {
  if (!app_.visitors) return;
  std::string page;
  if (auto p = f.find("page_url"); p != f.end() && !p->is_null()) {
    if (!p->is_string() || p->get_ref<const std::string&>().size() > 2048)
      return send_error(errc::bad_request, "page_url is a string of at most 2048 bytes");
    page = *p;
  }
  app_.visitors->opened(who_.who.id, workspace_id_, page, [w = weak_from_this()](const visitors::visitor_result& r) {
    if (r.error.code == errc::ok) return;
    if (auto self = w.lock())
      self->on_strand([r](ws_connection& c) { c.send_error(r.error.code, r.error.message); });
  });
}

void ws_connection::on_watch_stats(const json& f) {
  if (!app_.stats_watch) return send_error(errc::unavailable, "no stats read model");
  stats_window w;
  if (auto tz = f.find("tz"); tz != f.end() && !tz->is_null()) {
    if (!tz->is_string() || !projections::valid_timezone(*tz))
      return send_error(errc::bad_request, "tz is not an IANA time zone");
    w.tz = *tz;
  }
  for (auto* name : {"from", "to"}) {
    auto it = f.find(name);
    if (it == f.end() || it->is_null()) continue;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
      return send_error(errc::bad_request, std::string(name) + " is a time in ms since the epoch");
    (name[0] == 'f' ? w.from_ms : w.to_ms) = it->get<std::int64_t>();
  }
  if (w.from_ms && w.to_ms && w.from_ms >= w.to_ms) return send_error(errc::bad_request, "from must be before to");
  watching_stats_ = true;
  app_.stats_watch->watch(who_.workspace_id, w, weak_from_this(), this);
}

}  // namespace sb::http
