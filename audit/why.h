/*
 * why.h - why a case got the SLA tier it got, at each tier choice of its history
 * (`slate explain`, "SLA tier"): for each tier the engine tried before the chosen
 * one, the first clause of its condition that failed, and for the chosen one the
 * clause that held (or that it is the default tier), each with its source line
 * and the field values it saw.  Prefix aw_.
 *
 * Fed the case's walk (audit.h) in log order, it rebuilds the case's field
 * values and level as the engine held them: an accepted event's payload read by
 * the event reader (io/events.h) for the policy in force, `set` and `escalate`
 * decisions, a policy switch carrying values over by name.  At each `sla`
 * decision it evaluates the tiers of the stored source, compiled again through
 * include/slatec.h (slatec_tiers_why), and checks that this gives the tier the
 * engine logged: when it does not (a changed log, a source this slate compiles
 * differently), it says so and gives no reasons.  It does not choose tiers for
 * the engine, and it reads no SQL.
 */
#ifndef SLATE_AUDIT_WHY_H
#define SLATE_AUDIT_WHY_H

#include <stdio.h>

#include "audit.h"

typedef struct aw_state aw_state;

/* A state for one case's walk over `lg` (which must outlive it); NULL when
 * memory runs out. */
aw_state *aw_new(const aud_log *lg);
void aw_free(aw_state *w);

/* Feed every entry and decision of the case's walk, in order.  aw_decision
 * prints the explanation of an `sla` decision to `out`, each line indented by
 * `indent`; other decisions print nothing.  Returns 0, or -1 when memory ran
 * out (the explanation then says so). */
int aw_entry(aw_state *w, const aud_entry *e);
int aw_decision(aw_state *w, const aud_decision *d, FILE *out, const char *indent);

/* Tier choices explained so far, and of those, the ones where the evaluation
 * chose another tier than the engine logged (the explanation says which). */
typedef struct aw_counts {
    unsigned long choices, explained, disagreed;
} aw_counts;
aw_counts aw_totals(const aw_state *w);

#endif
