policy  "actions" version "4"  (actions.slate)
hash    b7c580f17a0e6e9a800e8b24b49e73f6c44eb8c8074136fbbfe17b9582d81f1b
image   2322 bytes, format 1
code    59 instructions, 6 registers, at most 28 steps per event or timer

fields
    0 tier             enum {vip, normal}
    1 complex          bool
    2 score            int
    3 agent            string
    4 budget           duration
levels agent < specialist < supervisor
ladders

events
    0 opened  rules @1
    2 updated  rules @16
    9 surveyed  rules @38
   12 analysed
   13 handled  rules @56

clocks
    0 analysed         require  until analysed  line 18
    1 triage           require  until handled  line 19
    2 review           review   until reviewed  line 33

calendars
    0 always           working day 1d, 1 UTC offset
        hours mon 00:00 - sun 24:00

tiers (selection @0)

rules
    0 on opened           line 15 as intake
    1 on opened           line 21
    2 on updated          line 25
    3 on surveyed         line 32
    4 on handled          line 36

constants
    0 4000000000

strings
    0 ""
    1 "tier"
    2 "vip"
    3 "normal"
    4 "complex"
    5 "score"
    6 "agent"
    7 "budget"
    8 "specialist"
    9 "supervisor"
   10 "opened"
   11 "responded"
   12 "updated"
   13 "paused"
   14 "resumed"
   15 "resolved"
   16 "reopened"
   17 "closed"
   18 "followed_up"
   19 "surveyed"
   20 "reviewed"
   21 "tick"
   22 "analysed"
   23 "handled"
   24 "triage"
   25 "review"
   26 "always"
   27 "intake"
   28 "front_desk"
   29 "duty_manager"
   30 "complex vip case"
   31 "nobody"
   32 "pool"
   33 "low_score"
   34 "ping"
   35 "actions"
   36 "4"
   37 "actions.slate"

code
    pc  line  op
; tier selection
     0     2  TIER      (no tier)
; on opened
     1    15  RULE      #0 (line 15, intake)
     2    16  ROUTE     "front_desk"
     3    17  ASSIGN    "duty_manager"
     4    18  REQUIRE   analysed, #0 (analysed within 2h on always)
     5    19  REQUIRE   triage, #1 (triage within 30m)
     6    21  RULE      #1 (line 21)
     7    21  FIELD     r0, complex
     8    21  FIELD     r1, tier
     9    21  LOADI     r2, vip (tier)
    10    21  JMPF      r0, ->15
    11    21  EQ        r3, r1, r2
    12    21  JMPF      r3, ->15
    13    22  ESCALATE  specialist
    14    23  NOTIFY    "supervisor", "complex vip case"
    15    21  HALT
; on updated
    16    25  RULE      #2 (line 25)
    17    25  FIELD     r0, agent
    18    25  LOADS     r1, "nobody"
    19    25  FIELD     r2, budget
    20    25  LOADI     r3, 2h
    21    25  EQ        r4, r0, r1
    22    25  JMPT      r4, ->25
    23    25  GT        r4, r2, r3
    24    25  JMPF      r4, ->37
    25    26  LOADI     r0, normal (tier)
    26    26  SET       r0, tier
    27    27  FIELD     r1, score
    28    27  LOADI     r2, 3
    29    27  LT        r0, r1, r2
    30    27  SET       r0, complex
    31    28  LOADI     r0, 1h30m
    32    28  SET       r0, budget
    33    29  LOADS     r0, "pool"
    34    29  SET       r0, agent
    35    30  LOADK     r0, 4000000000
    36    30  SET       r0, score
    37    25  HALT
; on surveyed
    38    32  RULE      #3 (line 32)
    39    32  FIELD     r0, score
    40    32  LOADI     r1, 2
    41    32  LEVEL     r2
    42    32  LOADI     r3, supervisor
    43    32  LE        r4, r0, r1
    44    32  JMPF      r4, ->55
    45    32  LT        r4, r2, r3
    46    32  JMPF      r4, ->55
    47    33  REVIEW    review, #2 (review within 8h)
    48    34  FIELD     r0, score
    49    34  FIELD     r1, tier
    50    34  LEVEL     r2
    51    34  FIELD     r3, complex
    52    34  FIELD     r4, agent
    53    34  FIELD     r5, budget
    54    34  EMIT      r0, low_score(int, tier, level, bool, string, duration)
    55    32  HALT
; on handled
    56    36  RULE      #4 (line 36)
    57    36  EMIT      r0, ping()
    58    36  HALT
