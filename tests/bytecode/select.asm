policy  "select" version "5"  (select.slate)
hash    dca03694ab10555cb685e6b5c1e586dcd0c6445058706f68cbdfa56cfe0d4644
image   1996 bytes, format 2
code    19 instructions, 0 registers, at most 10 steps per event or timer

fields
    0 tier             enum {vip, high, medium, low}
    1 severity         enum {emergency, general, routine}
    2 kind             enum {request, complaint}
    3 complex          bool
levels
ladders

events
    0 opened  start response
    1 responded  stop response

clocks
    0 response         declared  line 13

calendars

tiers (selection @0)
    0 vip_emergency     line 15
      response within 15m  line 15
        at breach (15m) implicit  line 15
    1 vip_general       line 16
      response within 30m  line 16
        at breach (30m) implicit  line 16
    2 vip_complex       line 17
      response within 45m  line 17
        at breach (45m) implicit  line 17
    3 high              line 18
      response within 1h  line 18
        at breach (1h) implicit  line 18
    4 upper             line 19
      response within 2h  line 19
        at breach (2h) implicit  line 19
    5 complaint         line 20
      response within 4h  line 20
        at breach (4h) implicit  line 20
    6 plain             line 21
      response within 8h  line 21
        at breach (8h) implicit  line 21
    7 rest             default  line 22
      response within 1d  line 22
        at breach (1d) implicit  line 22

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
   10 "kind"
   11 "request"
   12 "complaint"
   13 "complex"
   14 "opened"
   15 "responded"
   16 "updated"
   17 "paused"
   18 "resumed"
   19 "resolved"
   20 "reopened"
   21 "closed"
   22 "followed_up"
   23 "surveyed"
   24 "reviewed"
   25 "tick"
   26 "response"
   27 "vip_emergency"
   28 "vip_general"
   29 "vip_complex"
   30 "upper"
   31 "plain"
   32 "rest"
   33 "select"
   34 "5"
   35 "select.slate"

code
    pc  line  op
; tier selection
     0    15  FJNE      tier, vip (tier), ->7
     1    15  FJNE      severity, emergency (severity), ->3
     2    15  TIER      vip_emergency
     3    16  FJNE      severity, general (severity), ->5
     4    16  TIER      vip_general
     5    17  FJEQ      complex, false, ->10
     6    17  TIER      vip_complex
     7    18  FJNE      tier, high (tier), ->13
     8    18  FJNE      complex, false, ->10
     9    18  TIER      high
    10    19  FJEQ      severity, general (severity), ->12
    11    19  FJNE      severity, routine (severity), ->13
    12    19  TIER      upper
    13    20  FJNE      kind, complaint (kind), ->16
    14    20  FJEQ      complex, false, ->16
    15    20  TIER      complaint
    16    21  FJNE      complex, false, ->18
    17    21  TIER      plain
    18    22  TIER      rest
