#include "actors/bots/flow.hpp"

#include <algorithm>
#include <charconv>

namespace sb::bots {
namespace {
using json = nlohmann::json;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr std::size_t kMaxText = 4000, kMaxKeywords = 50, kMaxKeyword = 100, kMaxButtons = 10;
constexpr std::size_t kMaxPattern = 200, kMaxRepeat = 100, kMaxUrl = 2048, kMaxStore = 50,
                      kMaxPath = 200;

bool is_name_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-';
}
bool is_name(std::string_view s, std::size_t max = 64) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), is_name_char);
}

std::vector<std::string> split_dots(std::string_view s) {
  std::vector<std::string> out(1);
  for (char c : s) c == '.' ? (void)out.emplace_back() : out.back().push_back(c);
  return out;
}
// a.b.c: names joined by single dots.
bool is_var_path(std::string_view s) {
  return !s.empty() && s.size() <= kMaxPath && s.front() != '.' && s.back() != '.' &&
         s.find("..") == std::string_view::npos &&
         std::all_of(s.begin(), s.end(), [](char c) { return c == '.' || is_name_char(c); });
}

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string_view{} : s.substr(b, e - b + 1);
}

// "" when `text` compiled into `out`, else what is wrong.
std::string compile_template(std::string_view text, text_template& out) {
  auto literal = [&out](std::string_view s) {
    if (s.empty()) return;
    if (out.parts.empty() || out.parts.back().is_ref) out.parts.push_back({});
    out.parts.back().literal.append(s);
  };
  std::size_t i = 0;
  while (i < text.size()) {
    auto open = text.find("{{", i);
    auto close = open == std::string_view::npos ? open : text.find("}}", open + 2);
    if (close == std::string_view::npos) break;  // no variable left: the rest is literal
    literal(text.substr(i, open - i));
    auto inner = trim(text.substr(open + 2, close - open - 2));
    template_part p;
    p.is_ref = true;
    using src = var_ref::source;
    if (inner == "visitor.name" || inner == "visitor.email" || inner == "visitor.phone")
      p.ref.from = inner[8] == 'n'   ? src::visitor_name
                   : inner[8] == 'e' ? src::visitor_email
                                     : src::visitor_phone;
    else if (inner.starts_with("vars.") && is_var_path(inner.substr(5)))
      p.ref.path = split_dots(inner.substr(5));
    else
      return "{{" + std::string(inner) +
             "}} is not a variable (visitor.name, visitor.email, visitor.phone or vars.NAME)";
    out.parts.push_back(std::move(p));
    i = close + 2;
  }
  if (i < text.size()) literal(text.substr(i));
  return {};
}

// Counted repetitions multiply the compiled automaton; big counts make every search slow.
bool has_big_repeat(std::string_view p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
      continue;
    }
    if (p[i] != '{') continue;
    for (std::size_t j = i + 1; j < p.size() && p[j] != '}'; ++j) {
      unsigned long n = 0;
      auto [end, ec] = std::from_chars(p.data() + j, p.data() + p.size(), n);
      if (ec == std::errc::result_out_of_range || (ec == std::errc{} && n > kMaxRepeat))
        return true;
      if (ec == std::errc{}) j = static_cast<std::size_t>(end - p.data()) - 1;
    }
  }
  return false;
}

}  // namespace

const node* flow::find(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &nodes_[static_cast<std::size_t>(it->second)];
}

// Reads one definition; the first problem found is the error.
class flow_parser {
 public:
  std::shared_ptr<const flow> parse(const json& d, flow_error& error);

 private:
  struct edges {
    std::string next, then, otherwise, on_error;
  };
  bool fail(std::string message) {
    error_ = {id_, id_.empty() ? std::move(message) : "node " + id_ + ": " + std::move(message)};
    return false;
  }
  // A string field; absent (or null) is fine unless `required`.
  bool text(const json& j, const char* key, bool required, std::size_t max, std::string& out,
            bool* present = nullptr) {
    auto it = j.find(key);
    bool has = it != j.end() && !it->is_null();
    if (present) *present = has;
    if (!has) return !required || fail(std::string(key) + " is required");
    if (!it->is_string()) return fail(std::string(key) + " must be a string");
    out = it->get<std::string>();
    if (out.empty() || out.size() > max)
      return fail(std::string(key) + " must be 1.." + std::to_string(max) + " bytes");
    return true;
  }
  // A templated string; a "value" may be "" (set clears, eq tests for empty).
  bool templ(const json& j, const char* key, bool required, text_template& out) {
    if (auto it = j.find(key); std::string_view(key) == "value" && it != j.end() && *it == "")
      return true;
    std::string s;
    if (!text(j, key, required, kMaxText, s)) return false;
    auto problem = compile_template(s, out);
    return problem.empty() || fail(std::string(key) + ": " + problem);
  }
  bool path(const json& j, bool required, var_ref& out) {
    std::string s;
    bool present = false;
    if (!text(j, "var", required, kMaxPath, s, &present)) return false;
    if (!present) return true;
    if (!is_var_path(s))
      return fail("var " + s + " is not a variable name (letters, digits, _ -, dots)");
    out.path = split_dots(s);
    return true;
  }
  bool var_name(const json& j, bool required, std::string& out) {
    if (!text(j, "var", required, 64, out)) return false;
    return out.empty() || is_name(out) ||
           fail("var " + out + " is not a name ([A-Za-z0-9_-], no dots)");
  }
  bool keywords(const json& j, const char* key, std::size_t min, keyword_set& out) {
    auto it = j.find(key);
    if (!it->is_array() || it->size() < min || it->size() > kMaxKeywords)
      return fail(std::string(key) + " must be an array of " + std::to_string(min) +
                  "..50 keywords");
    for (auto& k : *it)
      if (!k.is_string() || k.get_ref<const std::string&>().size() > kMaxKeyword ||
          !out.add(k.get_ref<const std::string&>()))
        return fail(std::string(key) +
                    ": each keyword is a string of 1..100 bytes with a word in it");
    return true;
  }
  bool message(const json& j, node& n, edges& e);
  bool condition(const json& j, node& n, edges& e);
  bool action(const json& j, node& n, edges& e);
  bool webhook(const json& j, node& n, edges& e);
  bool collect_templates(const json& v, const json::json_pointer& at, node& n);

  flow_error error_;
  std::string id_;  // the node being read
};

bool flow_parser::message(const json& j, node& n, edges& e) {
  if (!templ(j, "text", true, n.text) || !text(j, "next", false, 64, e.next)) return false;
  auto b = j.find("buttons");
  if (b == j.end() || b->is_null()) return true;
  if (!b->is_array() || b->size() > kMaxButtons)
    return fail("buttons must be an array of 0..10 buttons");
  for (auto& x : *b) {
    if (!x.is_object()) return fail("each button is an object {label, value}");
    button btn;
    if (!text(x, "label", true, 100, btn.label) || !text(x, "value", true, 200, btn.value))
      return false;
    n.buttons.push_back(std::move(btn));
  }
  return true;
}

bool flow_parser::condition(const json& j, node& n, edges& e) {
  n.kind = node_kind::condition;
  std::string match;
  if (!text(j, "match", true, 64, match)) return false;
  n.input.path = {"last_input"};
  if (match == "keyword") {
    n.match = match_kind::keyword;
    bool any = j.contains("any") && !j["any"].is_null(),
         all = j.contains("all") && !j["all"].is_null();
    if (any == all) return fail("a keyword condition has exactly one of any, all");
    n.keywords.all = all;
    if (!keywords(j, all ? "all" : "any", 1, n.keywords) || !path(j, false, n.input)) return false;
  } else if (match == "regex") {
    n.match = match_kind::regex;
    std::string p;
    if (!text(j, "pattern", true, kMaxPattern, p) || !path(j, false, n.input)) return false;
    if (has_big_repeat(p)) return fail("pattern: repetition counts are at most 100");
    try {
      // libstdc++'s polynomial mode matches without backtracking (no back-references), so a
      // pattern like (a+)+$ cannot stall a step.
      n.pattern = std::regex(p, std::regex::ECMAScript | std::regex::icase
#ifdef __GLIBCXX__
                                    | std::regex_constants::__polynomial
#endif
      );
    } catch (const std::regex_error& ex) {
      return fail("pattern " + p + " is not a valid regex (" + ex.what() + ")");
    }
  } else if (match == "compare") {
    n.match = match_kind::compare;
    std::string op;
    if (!path(j, true, n.input) || !text(j, "op", true, 16, op)) return false;
    static const std::pair<const char*, compare_op> ops[] = {
        {"eq", compare_op::eq},         {"ne", compare_op::ne}, {"contains", compare_op::contains},
        {"exists", compare_op::exists}, {"gt", compare_op::gt}, {"lt", compare_op::lt}};
    auto it = std::find_if(std::begin(ops), std::end(ops), [&](auto& o) { return op == o.first; });
    if (it == std::end(ops))
      return fail("unknown op " + op + " (eq, ne, contains, exists, gt, lt)");
    n.op = it->second;
    if (!templ(j, "value", n.op != compare_op::exists, n.value)) return false;
  } else if (match == "business_hours") {
    n.match = match_kind::business_hours;
  } else {
    return fail("unknown match " + match + " (keyword, regex, compare, business_hours)");
  }
  return text(j, "then", true, 64, e.then) && text(j, "else", true, 64, e.otherwise);
}

bool flow_parser::collect_templates(const json& v, const json::json_pointer& at, node& n) {
  if (v.is_object()) {
    for (auto& [k, x] : v.items())
      if (!collect_templates(x, at / k, n)) return false;
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!collect_templates(v[i], at / i, n)) return false;
  } else if (v.is_string() && v.get_ref<const std::string&>().find("{{") != std::string::npos) {
    text_template t;
    auto problem = compile_template(v.get_ref<const std::string&>(), t);
    if (!problem.empty()) return fail("body " + at.to_string() + ": " + problem);
    n.body_templates.emplace_back(at, std::move(t));
  }
  return true;
}

bool flow_parser::webhook(const json& j, node& n, edges& e) {
  if (!text(j, "url", true, kMaxUrl, n.url)) return false;
  std::string scheme = n.url.substr(0, n.url.find("://"));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), lower);
  auto host_at = scheme.size() + 3;
  if ((scheme != "http" && scheme != "https") || host_at >= n.url.size() || n.url[host_at] == '/' ||
      std::any_of(n.url.begin(), n.url.end(),
                  [](unsigned char c) { return c <= ' ' || c == 0x7f; }))
    return fail("url must be an http:// or https:// URL without spaces");
  n.method = "POST";
  if (!text(j, "method", false, 8, n.method)) return false;
  if (n.method != "POST" && n.method != "GET") return fail("method must be POST or GET");
  auto body = j.find("body");
  bool has_body = body != j.end() && !body->is_null();
  if (n.method == "GET") {
    if (has_body) return fail("a GET webhook has no body");
  } else {
    n.body = has_body ? *body : json::object();
    if (!collect_templates(n.body, json::json_pointer{}, n)) return false;
  }
  if (auto s = j.find("store"); s != j.end() && !s->is_null()) {
    if (!s->is_object() || s->size() > kMaxStore)
      return fail("store must be an object {var: \"path.in.response\"} of at most 50");
    for (auto& [var, p] : s->items()) {
      if (!is_name(var)) return fail("store: " + var + " is not a name ([A-Za-z0-9_-], no dots)");
      if (!p.is_string() || p.get_ref<const std::string&>().empty() ||
          p.get_ref<const std::string&>().size() > kMaxPath)
        return fail("store: " + var + " must be a path of 1..200 bytes");
      n.store.emplace_back(var, split_dots(p.get_ref<const std::string&>()));
    }
  }
  return text(j, "next", true, 64, e.next) && text(j, "on_error", false, 64, e.on_error);
}

bool flow_parser::action(const json& j, node& n, edges& e) {
  std::string a;
  if (!text(j, "action", true, 64, a)) return false;
  if (a == "wait") {
    n.kind = node_kind::wait;
    return var_name(j, false, n.var) && text(j, "next", true, 64, e.next);
  }
  if (a == "set") {
    n.kind = node_kind::set;
    return var_name(j, true, n.var) && templ(j, "value", true, n.value) &&
           text(j, "next", true, 64, e.next);
  }
  if (a == "webhook") {
    n.kind = node_kind::webhook;
    return webhook(j, n, e);
  }
  if (a == "handoff" || a == "close") {
    n.kind = a == "handoff" ? node_kind::handoff : node_kind::close;
    return templ(j, "text", false, n.text);
  }
  return fail("unknown action " + a + " (wait, set, webhook, handoff, close)");
}

std::shared_ptr<const flow> flow_parser::parse(const json& d, flow_error& error) {
  auto f = std::shared_ptr<flow>(new flow());
  auto done = [&](bool) {
    error = std::move(error_);
    return std::shared_ptr<const flow>{};
  };
  if (!d.is_object()) return done(fail("the flow definition must be an object"));
  std::string start;
  if (!text(d, "name", true, 200, f->name_) || !text(d, "start", true, 64, start))
    return done(false);
  if (auto k = d.find("handoff_keywords"); k == d.end() || k->is_null())
    f->handoff_keywords_.add("human");
  else if (!keywords(d, "handoff_keywords", 0, f->handoff_keywords_))
    return done(false);
  auto nodes = d.find("nodes");
  if (nodes == d.end() || !nodes->is_array() || nodes->empty())
    return done(fail("nodes must be an array of 1..500 nodes"));
  if (nodes->size() > kMaxNodes)
    return done(
        fail("a flow has at most 500 nodes (this one has " + std::to_string(nodes->size()) + ")"));
  std::vector<edges> edge_names(nodes->size());
  for (std::size_t i = 0; i < nodes->size(); ++i) {
    auto& j = (*nodes)[i];
    id_.clear();
    if (!j.is_object()) return done(fail("nodes[" + std::to_string(i) + "] must be an object"));
    auto id = j.find("id");
    if (id == j.end() || !id->is_string() || !is_name(id->get_ref<const std::string&>()))
      return done(
          fail("nodes[" + std::to_string(i) + "]: id must be 1..64 bytes of [A-Za-z0-9_-]"));
    id_ = id->get<std::string>();
    if (!f->index_.emplace(id_, static_cast<int>(i)).second) return done(fail("duplicate id"));
    node n;
    n.id = id_;
    std::string type;
    if (!text(j, "type", true, 64, type)) return done(false);
    bool ok = type == "message"     ? message(j, n, edge_names[i])
              : type == "condition" ? condition(j, n, edge_names[i])
              : type == "action"    ? action(j, n, edge_names[i])
                                 : fail("unknown type " + type + " (message, condition, action)");
    if (!ok) return done(false);
    f->nodes_.push_back(std::move(n));
  }
  id_.clear();
  auto s = f->index_.find(start);
  if (s == f->index_.end()) return done(fail("start " + start + " is not a node"));
  f->start_ = s->second;
  for (std::size_t i = 0; i < f->nodes_.size(); ++i) {
    auto& n = f->nodes_[i];
    id_ = n.id;
    auto& e = edge_names[i];
    for (auto [name, target, field] : {std::tuple{&e.next, &n.next, "next"},
                                       {&e.then, &n.then, "then"},
                                       {&e.otherwise, &n.otherwise, "else"},
                                       {&e.on_error, &n.on_error, "on_error"}}) {
      if (name->empty()) continue;
      auto t = f->index_.find(*name);
      if (t == f->index_.end())
        return done(fail(std::string(field) + " -> " + *name + " is not a node"));
      *target = t->second;
    }
    if (n.kind == node_kind::webhook && n.on_error == kNoNode) n.on_error = n.next;
  }
  std::vector<bool> seen(f->nodes_.size());
  std::vector<int> todo{f->start_};
  seen[static_cast<std::size_t>(f->start_)] = true;
  while (!todo.empty()) {
    auto& n = f->nodes_[static_cast<std::size_t>(todo.back())];
    todo.pop_back();
    for (int t : {n.next, n.then, n.otherwise, n.on_error})
      if (t != kNoNode && !seen[static_cast<std::size_t>(t)]) {
        seen[static_cast<std::size_t>(t)] = true;
        todo.push_back(t);
      }
  }
  for (std::size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) {
      id_ = f->nodes_[i].id;
      return done(fail("unreachable from start " + start));
    }
  return f;
}

std::shared_ptr<const flow> parse_flow(const json& definition, flow_error& error) {
  try {
    return flow_parser{}.parse(definition, error);
  } catch (const std::exception& ex) {  // nlohmann or allocation; not expected
    error = {"", std::string("the flow could not be read: ") + ex.what()};
    return nullptr;
  }
}

}  // namespace sb::bots
