policy  "select" version "5"  (select.slate)
hash    bdb4bd8f388593cadd2935475e5955c4aa8843ba31f46fc417bc7283b1cfbc6e
image   2200 bytes, format 1
code    36 instructions, 11 registers, at most 26 steps per event or timer

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
     0    15  FIELD     r0, tier
     1    15  LOADI     r1, vip (tier)
     2    15  FIELD     r2, severity
     3    15  LOADI     r3, emergency (severity)
     4    15  LOADI     r4, general (severity)
     5    15  FIELD     r5, complex
     6    15  LOADI     r6, high (tier)
     7    15  LOADI     r7, routine (severity)
     8    15  FIELD     r8, kind
     9    15  LOADI     r9, complaint (kind)
    10    15  EQ        r10, r0, r1
    11    15  JMPF      r10, ->20
    12    15  EQ        r10, r2, r3
    13    15  JMPF      r10, ->15
    14    15  TIER      vip_emergency
    15    16  EQ        r10, r2, r4
    16    16  JMPF      r10, ->18
    17    16  TIER      vip_general
    18    17  JMPF      r5, ->24
    19    17  TIER      vip_complex
    20    18  EQ        r10, r0, r6
    21    18  JMPF      r10, ->29
    22    18  JMPT      r5, ->24
    23    18  TIER      high
    24    19  EQ        r10, r2, r4
    25    19  JMPT      r10, ->28
    26    19  EQ        r10, r2, r7
    27    19  JMPF      r10, ->29
    28    19  TIER      upper
    29    20  EQ        r10, r8, r9
    30    20  JMPF      r10, ->33
    31    20  JMPF      r5, ->33
    32    20  TIER      complaint
    33    21  JMPT      r5, ->35
    34    21  TIER      plain
    35    22  TIER      rest
