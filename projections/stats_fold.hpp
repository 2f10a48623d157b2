#pragma once
// The pure fold of the stats read model: per workspace and per UTC hour, what happened
// (visitors, widget opens, conversations, messages, sessions, first response and resolution
// times, per channel, per country, per agent), plus the little per-conversation and per-visitor
// bookkeeping the fold needs. No I/O and no clock; stats_projection runs it over the log and
// saves it piece by piece (see "Pieces" below).
//
// Reads cost O(hour buckets in the range), never a pass over events: each bucket holds only
// mergeable summaries (counters, distinct-count sketches, log-scale histograms). Rollups of
// aligned UTC blocks of 6 hours, 1 day and 8 days are kept beside the hours, so a range merges
// the largest blocks that fit and smaller ones at its edges: 30 days take ~20 merges, not 720.
// A range [from, to) covers every hour bucket it overlaps: the resolution is one hour.
//
// Not thread-safe: the owner serialises apply() against the reads (stats_projection holds a
// shared_mutex); the reads are const and may run concurrently with each other.
//
// Where it lives: the sketches and histograms in stats_sketch, the fold in stats_fold.cpp, the
// reads in stats_read.cpp, the pieces and their binary format in stats_codec.
#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/envelope.hpp"
#include "projections/stats_sketch.hpp"

namespace sb::projections {

inline constexpr std::int64_t kHourMs = 3'600'000;
// A visitor's messages belong to one session while no gap between two of them reaches this.
inline constexpr std::int64_t kSessionGapMs = 3'600'000;
inline constexpr std::size_t kTimeseriesMaxItems = 5000;

struct agent_stats {
  std::uint64_t conversations = 0;    // conversations assigned to the agent (status active)
  std::uint64_t messages = 0;         // the agent's messages, private notes excluded
  duration_histogram first_response;  // first responses the agent gave
  duration_histogram resolution;      // closes of conversations assigned to the agent
  void merge(const agent_stats& other);
};

// What happened in one hour (or, for a rollup, one UTC day) of one workspace.
struct stats_bucket {
  std::uint64_t widget_opens = 0;
  std::uint64_t conversations = 0;  // opened
  std::uint64_t visitor_messages = 0;
  std::uint64_t agent_messages = 0;
  std::uint64_t bot_messages = 0;
  std::uint64_t sessions = 0;                                     // started
  distinct_sketch visitors;                                       // seen (visitor_seen)
  distinct_sketch converted;                                      // opened a conversation
  std::map<std::string, distinct_sketch, std::less<>> countries;  // visitors seen, per country
  std::map<std::string, std::uint64_t, std::less<>> channels;     // conversations opened
  duration_histogram first_response;                              // in the bucket of the response
  duration_histogram resolution;                                  // in the bucket of the close
  std::map<std::string, agent_stats, std::less<>> agents;         // by user id
  void merge(const stats_bucket& other);
};

// Bookkeeping per conversation: what later events of the conversation need.
struct conversation_book {
  std::string workspace_id;
  std::string visitor_id;
  std::string agent_id;  // the agent it is (or was last) assigned to; "" never assigned
  std::int64_t opened_ts = 0;
  bool responded = false;  // its first agent or bot response is counted
  bool closed = false;     // its first close is counted
};

// What one event touched, as the keys of the pieces to save again.
struct stats_change {
  std::vector<std::string> pieces;
};

class stats_fold {
 public:
  // Folds one log event. Events of other streams and types, other versions and malformed data
  // are skipped (nullopt); it never throws.
  std::optional<stats_change> apply(const events::envelope& e);

  // {visitors, visitors_today, online_visitors, widget_opens, conversations,
  //  messages:{visitor,agent,bot}, sessions, conversion_rate, first_response_ms:{p50,p90},
  //  resolution_ms:{p50,p90}, by_channel:{...}, by_country:{...}}. Percentiles are null when
  // nothing was measured. visitors_today: distinct visitors from the local midnight (in `tz`) of
  // `now_ms` up to now_ms; `online_visitors` is passed through (live data, not in the log).
  nlohmann::json overview(const std::string& workspace_id, std::int64_t from_ms, std::int64_t to_ms,
                          const std::string& tz, std::uint64_t online_visitors,
                          std::int64_t now_ms) const;
  // {metric, bucket, items:[{ts, value}]}, ascending ts, empty buckets as 0, at most
  // kTimeseriesMaxItems items. metric: messages|conversations|widget_opens|visitors (others
  // count 0); bucket: "day" (local days in `tz`, ts = local midnight) or else hours (ts = the
  // UTC hour's start).
  nlohmann::json timeseries(const std::string& workspace_id, const std::string& metric,
                            const std::string& bucket, std::int64_t from_ms, std::int64_t to_ms,
                            const std::string& tz) const;
  // {items:[{user_id, name, conversations, messages, first_response_ms:{p50},
  //  resolution_ms:{p50}}]}, most conversations first.
  nlohmann::json agents(const std::string& workspace_id, std::int64_t from_ms,
                        std::int64_t to_ms) const;

  // Pieces: the state is saved as independent key/value pieces so that a fold step saves only
  // what it touched. Keys (without the projection's "stats/" prefix):
  //   h/<workspace>\0<hour, i64 big-endian with the sign bit flipped>  an hour bucket
  //   c/<conversation id>                                              a conversation_book
  //   v/<workspace>\0<visitor id>                                      last visitor message ts
  //   a/<workspace>\0<user id>                                         an agent's latest name
  // Rollups are not saved; restore_piece() rebuilds them from the hours.
  std::optional<std::string> encode_piece(std::string_view key) const;
  // False for an unknown key or a corrupt value (the piece is not restored).
  bool restore_piece(std::string_view key, std::string_view value);
  // The whole state as one string (every piece), and back; false if corrupt.
  std::string serialize() const;
  bool deserialize(std::string_view bytes);

 private:
  // Bucket sizes in hours: level 0 holds the hours, the others their rollups.
  static constexpr std::int64_t kLevelHours[] = {1, 6, 24, 192};
  static constexpr std::size_t kLevels = std::size(kLevelHours);
  // Floored, so that a ts before the epoch falls in the hour (and block) that holds it.
  static std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    auto q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  }
  static std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }
  static std::int64_t hour_of(std::int64_t ts) { return floor_div(ts, kHourMs); }
  struct workspace_stats {
    // levels[l]: by block index (hour index / kLevelHours[l], floored); hour index = ts /
    // kHourMs, floored. A rollup always equals the merge of its hours.
    std::array<std::map<std::int64_t, stats_bucket>, kLevels> levels;
    std::unordered_map<std::string, std::int64_t> last_visitor_message;  // for sessions
    std::unordered_map<std::string, std::string> agent_names;
  };
  template <typename F>
  void touch(workspace_stats& ws, std::int64_t ts, F&& f);  // f(bucket) for hour and day
  // f(bucket) for buckets that together cover hours [first_hour, end_hour) exactly once,
  // using the coarsest blocks that fit, from `level` down.
  template <typename F>
  void visit(const workspace_stats& ws, std::int64_t first_hour, std::int64_t end_hour, F&& f,
             std::size_t level = kLevels - 1) const;
  std::optional<stats_change> apply_conversation(const std::string& cid, const events::envelope& e,
                                                 const nlohmann::json& d);
  std::optional<stats_change> apply_visitor(const std::string& vid, const events::envelope& e,
                                            const nlohmann::json& d);

  std::unordered_map<std::string, workspace_stats> workspaces_;
  std::unordered_map<std::string, conversation_book> conversations_;
};

}  // namespace sb::projections
