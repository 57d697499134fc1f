-- logv2_views.sql - the auditors' views over the prototype v2 layout (bench/logv2_proto.c).
-- (The prototype's layout, kept for its measurements; slate's own views are in
-- runtime/log/log_schema.c and docs/audit-log.md.)
-- One row per decision, built from the packed `decisions` JSON array of each entry:
-- element [action, rule_line, rule_label, at (ms after the entry's time), case (0: the
-- entry's), event seq (0: the entry's, null: a timer), event id, args].  A prototype
-- for measuring; not the schema slate writes.  Run: sqlite3 LOG < bench/logv2_views.sql
CREATE TEMP VIEW decisions AS
SELECT e.dseq + j.key AS seq,
       e.id AS entry,
       CASE WHEN j.value -> 5 = '0' THEN e.seq ELSE j.value ->> 5 END AS event_seq,
       j.value ->> 6 AS event_id,
       CASE WHEN j.value -> 4 = '0' THEN e.case_id ELSE j.value ->> 4 END AS case_id,
       coalesce(e.at_ms, 0) + (j.value ->> 3) AS at_ms,
       strftime('%Y-%m-%dT%H:%M:%fZ', (coalesce(e.at_ms, 0) + (j.value ->> 3)) / 1000.0,
                'unixepoch') AS at,
       j.value ->> 1 AS rule_line,
       j.value ->> 2 AS rule_label,
       j.value ->> 0 AS action,
       j.value -> 7 ->> 'clock' AS clock,
       j.value -> 7 ->> 'tier' AS tier,
       j.value -> 7 AS args,
       p.policy_hash AS policy_hash
FROM entries e JOIN entries p ON p.id = e.policy, json_each(e.decisions) j
WHERE e.decisions IS NOT NULL;

CREATE TEMP VIEW breaches AS SELECT * FROM decisions WHERE action = 'breach';

-- One case's decisions through the case index: SELECT * FROM case_decisions WHERE case_id = ?
CREATE TEMP VIEW case_decisions AS
SELECT c.case_id AS case_id, e.dseq + j.key AS seq, e.id AS entry,
       CASE WHEN j.value -> 5 = '0' THEN e.seq ELSE j.value ->> 5 END AS event_seq,
       coalesce(e.at_ms, 0) + (j.value ->> 3) AS at_ms,
       j.value ->> 1 AS rule_line, j.value ->> 2 AS rule_label, j.value ->> 0 AS action,
       j.value -> 7 AS args
FROM cases c JOIN entries e ON e.id = c.entry, json_each(e.decisions) j
WHERE CASE WHEN j.value -> 4 = '0' THEN e.case_id ELSE j.value ->> 4 END = c.case_id;
