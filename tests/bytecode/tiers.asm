policy  "tiers" version "2"  (tiers.slate)
hash    7f5d5f1a31a68f9ffdf60078e701167fb1413c2f07908bfc3d24162a1c93d2f1
image   1781 bytes, format 2
code    16 instructions, 2 registers, at most 12 steps per event or timer

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
     0    16  LEVEL     r0
     1    16  LOADI     r1, supervisor
     2    16  FJNE      tier, vip (tier), ->5
     3    16  FJNE      severity, emergency (severity), ->5
     4    16  TIER      vip_emergency
     5    18  FJEQ      tier, vip (tier), ->9
     6    18  FJEQ      tier, high (tier), ->9
     7    18  FJEQ      complex, false, ->10
     8    18  FJEQ      severity, routine (severity), ->10
     9    18  TIER      upper
    10    19  JLT       r0, r1, ->12
    11    19  TIER      escalated
    12    20  FJLE      score, 3, ->15
    13    20  FJEQ      score, 5, ->15
    14    20  TIER      scored
    15    17  TIER      fallback
