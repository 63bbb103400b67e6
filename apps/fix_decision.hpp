// apps/fix_decision.hpp - what `fix` (and `batch --fix-to`) does with a measurement: do no harm.
#pragma once

#include "syncdsp/pipeline/classic.hpp"

namespace syncdsp::cli {

// Shift only when the answer is reliable, out of tolerance, and its whole interval is out of
// tolerance too; refuse an offset that changes within the clip; say why and write nothing otherwise.
enum class decision { shift, in_sync, cant_tell, uncertain, changes };

inline decision decide(const pipeline::offset_report& r) {
    using sync::verdict_kind;
    if (r.segments.size() > 1) return decision::changes;
    if (!r.valid || !r.reliable) return decision::cant_tell;
    if (r.verdict.kind == verdict_kind::in_sync) return decision::in_sync;
    return r.verdict.certain ? decision::shift : decision::uncertain;
}

inline const char* to_string(decision d) {
    switch (d) {
        case decision::shift: return "shift";
        case decision::in_sync: return "declined_in_sync";
        case decision::cant_tell: return "declined_cant_tell";
        case decision::uncertain: return "declined_uncertain";
        default: return "declined_offset_changes";
    }
}

}  // namespace syncdsp::cli
