policy  "tiers" version "2"  (tiers.slate)
hash    af0e5c065158c54672680bdd00c8c649f27c6c87815b955c678323bf201c6d51
image   1997 bytes, format 1
code    34 instructions, 13 registers, at most 30 steps per event or timer

fields
    0 tier             enum {vip, high, medium, low}
    1 severity         enum {emergency, general, routine}
    2 complex          bool
    3 score            int
levels agent < specialist < supervisor
ladders

events
    0 opened  start response
    1 responded  stop response

clocks
    0 response         declared  line 14

calendars

tiers (selection @0)
    0 vip_emergency     line 16
      response within 15m  line 16
        at breach (15m) implicit  line 16
    1 fallback         default  line 17
      response within 1d  line 17
        at breach (1d) implicit  line 17
    2 upper             line 18
      response within 1h  line 18
        at breach (1h) implicit  line 18
    3 escalated         line 19
      response within 30m  line 19
        at breach (30m) implicit  line 19
    4 scored            line 20
      response within 2h  line 20
        at breach (2h) implicit  line 20

rules

strings
    0 ""
    1 "tier"
    2 "vip"
    3 "high"
    4 "medium"
    5 "low"
    6 "severity"
    7 "emergency"
    8 "general"
    9 "routine"
   10 "complex"
   11 "score"
   12 "agent"
   13 "specialist"
   14 "supervisor"
   15 "opened"
   16 "responded"
   17 "updated"
   18 "paused"
   19 "resumed"
   20 "resolved"
   21 "reopened"
   22 "closed"
   23 "followed_up"
   24 "surveyed"
   25 "reviewed"
   26 "tick"
   27 "response"
   28 "vip_emergency"
   29 "fallback"
   30 "upper"
   31 "escalated"
   32 "scored"
   33 "tiers"
   34 "2"
   35 "tiers.slate"

code
    pc  line  op
; tier selection
     0    16  FIELD     r0, tier
     1    16  LOADI     r1, vip (tier)
     2    16  FIELD     r2, severity
     3    16  LOADI     r3, emergency (severity)
     4    16  LOADI     r4, high (tier)
     5    16  FIELD     r5, complex
     6    16  LOADI     r6, routine (severity)
     7    16  LEVEL     r7
     8    16  LOADI     r8, supervisor
     9    16  FIELD     r9, score
    10    16  LOADI     r10, 3
    11    16  LOADI     r11, 5
    12    16  EQ        r12, r0, r1
    13    16  JMPF      r12, ->17
    14    16  EQ        r12, r2, r3
    15    16  JMPF      r12, ->17
    16    16  TIER      vip_emergency
    17    18  EQ        r12, r0, r1
    18    18  JMPT      r12, ->24
    19    18  EQ        r12, r0, r4
    20    18  JMPT      r12, ->24
    21    18  JMPF      r5, ->25
    22    18  EQ        r12, r2, r6
    23    18  JMPT      r12, ->25
    24    18  TIER      upper
    25    19  GE        r12, r7, r8
    26    19  JMPF      r12, ->28
    27    19  TIER      escalated
    28    20  GT        r12, r9, r10
    29    20  JMPF      r12, ->33
    30    20  NE        r12, r9, r11
    31    20  JMPF      r12, ->33
    32    20  TIER      scored
    33    17  TIER      fallback
