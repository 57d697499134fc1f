policy  "actions" version "4"  (actions.slate)
hash    555b23554a69841257e155a529eb9a376790a84c3ac3c07a71ec79290775cdd9
image   2202 bytes, format 2
code    49 instructions, 6 registers, at most 26 steps per event or timer

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
    2 updated  rules @12
    9 surveyed  rules @32
   12 analysed
   13 handled  rules @46

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
     7    21  FJEQ      complex, false, ->11
     8    21  FJNE      tier, vip (tier), ->11
     9    22  ESCALATE  specialist
    10    23  NOTIFY    "supervisor", "complex vip case"
    11    21  HALT
; on updated
    12    25  RULE      #2 (line 25)
    13    25  FIELD     r0, agent
    14    25  LOADS     r1, "nobody"
    15    25  FIELD     r2, budget
    16    25  LOADI     r3, 2h
    17    25  JEQ       r0, r1, ->19
    18    25  JLE       r2, r3, ->31
    19    26  LOADI     r0, normal (tier)
    20    26  SET       r0, tier
    21    27  FIELD     r1, score
    22    27  LOADI     r2, 3
    23    27  LT        r0, r1, r2
    24    27  SET       r0, complex
    25    28  LOADI     r0, 1h30m
    26    28  SET       r0, budget
    27    29  LOADS     r0, "pool"
    28    29  SET       r0, agent
    29    30  LOADK     r0, 4000000000
    30    30  SET       r0, score
    31    25  HALT
; on surveyed
    32    32  RULE      #3 (line 32)
    33    32  LEVEL     r0
    34    32  LOADI     r1, supervisor
    35    32  FJGT      score, 2, ->45
    36    32  JGE       r0, r1, ->45
    37    33  REVIEW    review, #2 (review within 8h)
    38    34  FIELD     r0, score
    39    34  FIELD     r1, tier
    40    34  LEVEL     r2
    41    34  FIELD     r3, complex
    42    34  FIELD     r4, agent
    43    34  FIELD     r5, budget
    44    34  EMIT      r0, low_score(int, tier, level, bool, string, duration)
    45    32  HALT
; on handled
    46    36  RULE      #4 (line 36)
    47    36  EMIT      r0, ping()
    48    36  HALT
