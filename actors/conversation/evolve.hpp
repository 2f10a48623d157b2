#pragma once
// The other pure half: apply one event to the state.
#include "actors/conversation/events.hpp"
#include "actors/conversation/state.hpp"

namespace sb::conversation {
void evolve(state& s, const event& e);
}
