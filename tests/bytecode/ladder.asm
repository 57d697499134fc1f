policy  "ladder" version "3"  (ladder.slate)
hash    720aa38278a2a28a15e3dd30057629f5f1fbc3e08cd16e26242cf63bc1664dfb
image   2235 bytes, format 1
code    26 instructions, 5 registers, at most 23 steps per event or timer

fields
    0 waiting          bool
    1 tier             enum {gold, silver}
levels agent < specialist < supervisor < manager
ladders standard

events
    0 opened  start response, start resolution
    1 responded  stop response
    3 paused  pause resolution
    4 resumed  resume resolution
    5 resolved  stop resolution, start follow_up
    6 reopened  reset resolution
    7 closed  stop resolution
    8 followed_up  stop follow_up

clocks
    0 response         declared  line 16
    1 resolution       declared reopens resets-on-reopen pauses-while @6  line 17
    2 follow_up        declared  line 21

calendars
    0 office           working day 8h, 1 UTC offset
        hours mon 09:00 - mon 12:00
        hours mon 13:00 - mon 18:00
        hours tue 09:00 - tue 12:00
        hours tue 13:00 - tue 18:00
        hours wed 09:00 - wed 12:00
        hours wed 13:00 - wed 18:00
        hours thu 09:00 - thu 12:00
        hours thu 13:00 - thu 18:00
        hours fri 09:00 - fri 12:00
        hours fri 13:00 - fri 18:00
        closed 2030-12-25

tiers (selection @0)
    0 gold             ladder standard  line 31
      response within 1h on office  line 32
        at 30m before breach (30m) @15  line 26
        at breach (1h) @17  line 27
      resolution within 16h on office  line 33
        at 50% (8h) @20  line 24
        at 75% (12h) @22  line 25
        at breach (16h) implicit  line 33
        at breach + 4h (20h) @24  line 28
      follow_up within 1d  line 34
        at breach (1d) implicit  line 34
    1 silver           default ladder standard  line 37
      response within 20m on office  line 37
        at 30m before breach (0s) @15  line 26
        at breach (20m) @17  line 27
      resolution within 16h on office  line 37
        at 50% (8h) @20  line 24
        at 75% (12h) @22  line 25
        at breach (16h) implicit  line 37
        at breach + 4h (20h) @24  line 28

rules

strings
    0 ""
    1 "waiting"
    2 "tier"
    3 "gold"
    4 "silver"
    5 "agent"
    6 "specialist"
    7 "supervisor"
    8 "manager"
    9 "standard"
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
   22 "response"
   23 "resolution"
   24 "follow_up"
   25 "office"
   26 "assignee"
   27 "30 minutes left"
   28 "response breached"
   29 "half way"
   30 "resolution target near"
   31 "ladder"
   32 "3"
   33 "ladder.slate"

code
    pc  line  op
; tier selection
     0    31  FIELD     r0, tier
     1    31  LOADI     r1, gold (tier)
     2    31  EQ        r2, r0, r1
     3    31  JMPF      r2, ->5
     4    31  TIER      gold
     5    37  TIER      silver
; clock resolution pauses while
     6    19  FIELD     r0, waiting
     7    19  FIELD     r1, tier
     8    19  LOADI     r2, silver (tier)
     9    19  LOADI     r3, false
    10    19  JMPT      r0, ->13
    11    19  EQ        r4, r1, r2
    12    19  JMPF      r4, ->14
    13    19  LOADI     r3, true
    14    19  RET       r3
; ladder step, line 26
    15    26  NOTIFY    "assignee", "30 minutes left"
    16    26  HALT
; ladder step, line 27
    17    27  ESCALATE  specialist
    18    27  NOTIFY    "supervisor", "response breached"
    19    27  HALT
; ladder step, line 24
    20    24  NOTIFY    "assignee", "half way"
    21    24  HALT
; ladder step, line 25
    22    25  NOTIFY    "assignee", "resolution target near"
    23    25  HALT
; ladder step, line 28
    24    28  ESCALATE  manager
    25    28  HALT
