-- logv2_views_blocks.sql - the auditors' views over the prototype's BLOCK=K layout
-- (The prototype's layout, kept for its measurements; slate's own views are in
-- runtime/log/log_schema.c and docs/audit-log.md.)
-- (bench/logv2_proto.c): each `blocks` row holds K entries as a JSON array, each
-- entry [id, kind, seq, at_ms, case, type, status, reason, payload, policy_hash,
-- policy, dseq, ndecisions, decisions], decisions as in logv2_views.sql; `cases`
-- maps a case to the blocks that name it.  A prototype for measuring.
CREATE TEMP VIEW entries AS
SELECT b.id AS block, j.value ->> 0 AS id, j.value ->> 1 AS kind, j.value ->> 2 AS seq,
       j.value ->> 3 AS at_ms, j.value ->> 4 AS case_id, j.value ->> 5 AS type,
       j.value ->> 6 AS status, j.value ->> 7 AS reason, j.value ->> 8 AS payload,
       j.value ->> 9 AS policy_hash, j.value ->> 10 AS policy, j.value ->> 11 AS dseq,
       j.value ->> 12 AS ndecisions, j.value -> 13 AS decisions
FROM blocks b, json_each(b.data) j;

-- policy entries are few: their hashes once, by entry id
CREATE TEMP TABLE policy_of AS SELECT id, policy_hash FROM temp.entries WHERE kind = 'policy';

CREATE TEMP VIEW decisions AS
SELECT e.dseq + j.key AS seq, e.id AS entry,
       CASE WHEN j.value -> 5 = '0' THEN e.seq ELSE j.value ->> 5 END AS event_seq,
       j.value ->> 6 AS event_id,
       CASE WHEN j.value -> 4 = '0' THEN e.case_id ELSE j.value ->> 4 END AS case_id,
       coalesce(e.at_ms, 0) + (j.value ->> 3) AS at_ms,
       strftime('%Y-%m-%dT%H:%M:%fZ', (coalesce(e.at_ms, 0) + (j.value ->> 3)) / 1000.0,
                'unixepoch') AS at,
       j.value ->> 1 AS rule_line, j.value ->> 2 AS rule_label, j.value ->> 0 AS action,
       j.value -> 7 ->> 'clock' AS clock, j.value -> 7 ->> 'tier' AS tier,
       j.value -> 7 AS args, p.policy_hash AS policy_hash
FROM temp.entries e JOIN temp.policy_of p ON p.id = e.policy, json_each(e.decisions) j
WHERE e.ndecisions > 0;

CREATE TEMP VIEW breaches AS SELECT * FROM temp.decisions WHERE action = 'breach';

-- One case's decisions through the case index: SELECT * FROM case_decisions WHERE case_id = ?
CREATE TEMP VIEW case_decisions AS
SELECT c.case_id AS case_id, (je.value ->> 11) + j.key AS seq, je.value ->> 0 AS entry,
       CASE WHEN j.value -> 5 = '0' THEN je.value ->> 2 ELSE j.value ->> 5 END AS event_seq,
       coalesce(je.value ->> 3, 0) + (j.value ->> 3) AS at_ms,
       j.value ->> 1 AS rule_line, j.value ->> 2 AS rule_label, j.value ->> 0 AS action,
       j.value -> 7 AS args
FROM cases c JOIN blocks b ON b.id = c.entry, json_each(b.data) je, json_each(je.value -> 13) j
WHERE CASE WHEN j.value -> 4 = '0' THEN je.value ->> 4 ELSE j.value ->> 4 END = c.case_id;
