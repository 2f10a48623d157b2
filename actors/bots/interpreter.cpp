#include "actors/bots/interpreter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace sb::bots {
namespace {
using json = nlohmann::json;

constexpr std::size_t kMaxSay = 4000, kMaxRegexInput = 1000;
constexpr const char* kPhaseNames[] = {"idle", "waiting_input", "waiting_webhook", "done"};

// Bytes of UTF-8 multi-byte sequences count as word characters so that non-ASCII words stay
// whole; only ASCII letters are case-folded.
bool is_word_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c >= 0x80;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowercase(std::string_view s) {
  std::string out(s.size(), '\0');
  std::transform(s.begin(), s.end(), out.begin(), lower);
  return out;
}

// The longest prefix of at most `max` bytes that does not split a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s;
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return s.substr(0, max);
}

// Unset and null render as ""; strings as they are; anything else as its JSON.
void append_value(std::string& out, const json* v) {
  if (v == nullptr || v->is_null()) return;
  if (v->is_string())
    out += v->get_ref<const std::string&>();
  else
    out += v->dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_ref(std::string& out, const var_ref& r, const context& ctx, const json& vars) {
  switch (r.from) {
    case var_ref::source::visitor_name:
      out += ctx.visitor_name;
      return;
    case var_ref::source::visitor_email:
      out += ctx.visitor_email;
      return;
    case var_ref::source::visitor_phone:
      out += ctx.visitor_phone;
      return;
    case var_ref::source::vars:
      append_value(out, find_path(vars, r.path));
      return;
  }
}

std::string render(const text_template& t, const context& ctx, const json& vars) {
  std::string out;
  for (auto& p : t.parts) {
    if (p.is_ref)
      append_ref(out, p.ref, ctx, vars);
    else
      out += p.literal;
  }
  return out;
}

std::optional<double> number(std::string_view s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  if (b == std::string_view::npos) return std::nullopt;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data() + b, s.data() + e + 1, d);
  if (ec != std::errc{} || end != s.data() + e + 1 || !std::isfinite(d)) return std::nullopt;
  return d;
}

bool compare(const node& n, const context& ctx, const json& vars) {
  const json* v = find_path(vars, n.input.path);
  if (n.op == compare_op::exists) return v != nullptr && !v->is_null();
  std::string left;
  append_value(left, v);
  std::string right = render(n.value, ctx, vars);
  switch (n.op) {
    case compare_op::eq:
      return lowercase(left) == lowercase(right);
    case compare_op::ne:
      return lowercase(left) != lowercase(right);
    case compare_op::contains:
      return lowercase(left).find(lowercase(right)) != std::string::npos;
    case compare_op::gt:
    case compare_op::lt: {
      auto a = v != nullptr && v->is_number() ? std::optional(v->get<double>()) : number(left);
      auto b = number(right);
      if (!a || !b) return false;
      return n.op == compare_op::gt ? *a > *b : *a < *b;
    }
    case compare_op::exists:
      break;
  }
  return false;
}

bool test(const node& n, const context& ctx, const json& vars) {
  switch (n.match) {
    case match_kind::business_hours:
      return ctx.business_hours_open;
    case match_kind::compare:
      return compare(n, ctx, vars);
    case match_kind::keyword:
    case match_kind::regex: {
      std::string input;
      append_ref(input, n.input, ctx, vars);
      if (n.match == match_kind::keyword) return n.keywords.matches(input);
      auto cut = utf8_prefix(input, kMaxRegexInput);
      try {
        return std::regex_search(cut.data(), cut.data() + cut.size(), n.pattern);
      } catch (const std::regex_error&) {  // e.g. error_complexity: treat as no match
        return false;
      }
    }
  }
  return false;
}

effect make_effect(effect::kind k) {
  effect e;
  e.what = k;
  return e;
}

// One call's work: executes nodes into `out`.
struct runner {
  const flow& f;
  const context& ctx;
  step_result out;

  void say(const text_template& t, const std::vector<button>& buttons = {}) {
    auto e = make_effect(effect::kind::say);
    e.text = std::string(utf8_prefix(render(t, ctx, out.state.vars), kMaxSay));
    e.buttons = buttons;
    out.effects.push_back(std::move(e));
  }
  void end(effect::kind k) {
    out.effects.push_back(make_effect(k));
    out.state.at = run_state::phase::done;
    out.state.wait_var.clear();
  }
  // Something the bot cannot handle: a person takes over.
  void fail(std::string why) {
    auto e = make_effect(effect::kind::error);
    e.error = std::move(why);
    out.effects.push_back(std::move(e));
    end(effect::kind::handoff);
  }
  void run(int at);
};

void runner::run(int at) {
  auto& st = out.state;
  st.wait_var.clear();
  for (;;) {
    const node& n = f.nodes()[static_cast<std::size_t>(at)];
    st.node = n.id;
    if (out.steps == kMaxSteps)
      return fail("step limit of " + std::to_string(kMaxSteps) + " reached at node " + n.id);
    ++out.steps;
    switch (n.kind) {
      case node_kind::message:
        say(n.text, n.buttons);
        if (n.next == kNoNode) {  // the flow ends; the visitor's next message hands off
          st.at = run_state::phase::done;
          return;
        }
        at = n.next;
        break;
      case node_kind::condition:
        at = test(n, ctx, st.vars) ? n.then : n.otherwise;
        break;
      case node_kind::wait:
        st.at = run_state::phase::waiting_input;
        st.wait_var = n.var;
        return;
      case node_kind::set:
        st.vars[n.var] = render(n.value, ctx, st.vars);
        at = n.next;
        break;
      case node_kind::webhook: {
        auto e = make_effect(effect::kind::webhook);
        e.request = {n.url, n.method, n.body};
        for (auto& [where, t] : n.body_templates) e.request.body[where] = render(t, ctx, st.vars);
        out.effects.push_back(std::move(e));
        st.at = run_state::phase::waiting_webhook;
        return;
      }
      case node_kind::handoff:
      case node_kind::close:
        if (!n.text.empty()) say(n.text);
        return end(n.kind == node_kind::handoff ? effect::kind::handoff : effect::kind::close);
    }
  }
}

// Runs `body` on a runner; nothing escapes: an exception becomes an error and a handoff.
template <class Body>
step_result guarded(const flow& f, run_state state, const context& ctx, Body body) {
  runner r{f, ctx, {std::move(state), {}, 0}};
  try {
    if (!r.out.state.vars.is_object()) r.out.state.vars = json::object();
    body(r);
  } catch (const std::exception& ex) {
    r.fail(std::string("the bot failed: ") + ex.what());
  }
  return std::move(r.out);
}

}  // namespace

// Matching helpers shared with parse_flow (keyword_set::add), kept beside their run-time use.
std::vector<std::string_view> lowercase_words(std::string_view text, std::string& buffer) {
  buffer.resize(text.size());
  std::transform(text.begin(), text.end(), buffer.begin(), lower);
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < buffer.size()) {
    while (i < buffer.size() && !is_word_char(static_cast<unsigned char>(buffer[i]))) ++i;
    std::size_t begin = i;
    while (i < buffer.size() && is_word_char(static_cast<unsigned char>(buffer[i]))) ++i;
    if (i > begin) words.emplace_back(buffer.data() + begin, i - begin);
  }
  return words;
}

bool keyword_set::add(std::string_view keyword) {
  std::string buffer;
  auto words = lowercase_words(keyword, buffer);
  if (words.empty()) return false;
  phrases_.emplace_back(words.begin(), words.end());
  by_first_word_.emplace_back(phrases_.back().front(), static_cast<int>(phrases_.size() - 1));
  std::sort(by_first_word_.begin(), by_first_word_.end());
  return true;
}

bool keyword_set::matches(std::string_view text) const {
  if (phrases_.empty()) return false;
  std::string buffer;
  auto words = lowercase_words(text, buffer);
  std::vector<bool> found(all ? phrases_.size() : 0);
  std::size_t missing = phrases_.size();
  for (std::size_t w = 0; w < words.size(); ++w) {
    auto it = std::lower_bound(by_first_word_.begin(), by_first_word_.end(), words[w],
                               [](const auto& e, std::string_view v) { return e.first < v; });
    for (; it != by_first_word_.end() && it->first == words[w]; ++it) {
      auto& phrase = phrases_[static_cast<std::size_t>(it->second)];
      if (phrase.size() > words.size() - w ||
          !std::equal(phrase.begin() + 1, phrase.end(), words.begin() + static_cast<long>(w) + 1))
        continue;
      if (!all) return true;
      if (!found[static_cast<std::size_t>(it->second)]) {
        found[static_cast<std::size_t>(it->second)] = true;
        if (--missing == 0) return true;
      }
    }
  }
  return false;
}

const json* find_path(const json& root, const std::vector<std::string>& path) {
  const json* at = &root;
  for (auto& seg : path) {
    if (at->is_object()) {
      auto it = at->find(seg);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array() && !seg.empty() &&
               std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::size_t i = 0;
      auto [end, ec] = std::from_chars(seg.data(), seg.data() + seg.size(), i);
      if (ec != std::errc{} || i >= at->size()) return nullptr;
      at = &(*at)[i];
    } else {
      return nullptr;
    }
  }
  return at;
}

json run_state::to_json() const {
  return {{"node", node},
          {"vars", vars},
          {"at", kPhaseNames[static_cast<int>(at)]},
          {"wait_var", wait_var}};
}

std::optional<run_state> run_state::from_json(const json& j) {
  if (!j.is_object()) return std::nullopt;
  run_state s;
  auto text = [&j](const char* key, std::string& out) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  std::string at = "idle";
  if (!text("node", s.node) || !text("wait_var", s.wait_var) || !text("at", at))
    return std::nullopt;
  auto phase = std::find(std::begin(kPhaseNames), std::end(kPhaseNames), at);
  if (phase == std::end(kPhaseNames)) return std::nullopt;
  s.at = static_cast<run_state::phase>(phase - std::begin(kPhaseNames));
  if (auto v = j.find("vars"); v != j.end() && !v->is_null()) {
    if (!v->is_object()) return std::nullopt;
    s.vars = *v;
  }
  return s;
}

step_result start_run(const flow& f, const context& ctx) {
  return guarded(f, run_state{}, ctx, [&](runner& r) { r.run(f.start()); });
}

step_result on_visitor_message(const flow& f, run_state state, const context& ctx,
                               std::string_view text) {
  return guarded(f, std::move(state), ctx, [&](runner& r) {
    auto& st = r.out.state;
    if (st.at == run_state::phase::done)
      return r.out.effects.push_back(make_effect(effect::kind::handoff));
    st.vars["last_input"] = std::string(text);
    if (f.handoff_keywords().matches(text)) return r.end(effect::kind::handoff);
    switch (st.at) {
      case run_state::phase::waiting_webhook:
        return;
      case run_state::phase::waiting_input: {
        const node* n = f.find(st.node);
        if (n == nullptr || n->kind != node_kind::wait)
          return r.fail("the run waits at " + st.node + ", which is not a wait node of this flow");
        if (!st.wait_var.empty()) st.vars[st.wait_var] = std::string(text);
        return r.run(n->next);
      }
      case run_state::phase::idle:
        return r.run(f.start());
      case run_state::phase::done:
        return;
    }
  });
}

step_result on_webhook_result(const flow& f, run_state state, const context& ctx,
                              const json* response) {
  return guarded(f, std::move(state), ctx, [&](runner& r) {
    auto& st = r.out.state;
    if (st.at != run_state::phase::waiting_webhook) return;
    const node* n = f.find(st.node);
    if (n == nullptr || n->kind != node_kind::webhook)
      return r.fail("the run waits at " + st.node + ", which is not a webhook node of this flow");
    if (response == nullptr) return r.run(n->on_error);
    for (auto& [var, path] : n->store) {
      const json* v = find_path(*response, path);
      if (v != nullptr && !v->is_null())
        st.vars[var] = *v;
      else
        st.vars.erase(var);
    }
    r.run(n->next);
  });
}

}  // namespace sb::bots
