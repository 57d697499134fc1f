policy  "ladder" version "3"  (ladder.slate)
hash    44532411772bdf8a8a9c17b39789065aea0dd224bc00c2864c249bf480df55e3
image   2151 bytes, format 2
code    19 instructions, 1 registers, at most 13 steps per event or timer

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
    1 resolution       declared reopens resets-on-reopen pauses-while @3  line 17
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
        at 30m before breach (30m) @8  line 26
        at breach (1h) @10  line 27
      resolution within 16h on office  line 33
        at 50% (8h) @13  line 24
        at 75% (12h) @15  line 25
        at breach (16h) implicit  line 33
        at breach + 4h (20h) @17  line 28
      follow_up within 1d  line 34
        at breach (1d) implicit  line 34
    1 silver           default ladder standard  line 37
      response within 20m on office  line 37
        at 30m before breach (0s) @8  line 26
        at breach (20m) @10  line 27
      resolution within 16h on office  line 37
        at 50% (8h) @13  line 24
        at 75% (12h) @15  line 25
        at breach (16h) implicit  line 37
        at breach + 4h (20h) @17  line 28

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
     0    31  FJNE      tier, gold (tier), ->2
     1    31  TIER      gold
     2    37  TIER      silver
; clock resolution pauses while
     3    19  LOADI     r0, false
     4    19  FJNE      waiting, false, ->6
     5    19  FJNE      tier, silver (tier), ->7
     6    19  LOADI     r0, true
     7    19  RET       r0
; ladder step, line 26
     8    26  NOTIFY    "assignee", "30 minutes left"
     9    26  HALT
; ladder step, line 27
    10    27  ESCALATE  specialist
    11    27  NOTIFY    "supervisor", "response breached"
    12    27  HALT
; ladder step, line 24
    13    24  NOTIFY    "assignee", "half way"
    14    24  HALT
; ladder step, line 25
    15    25  NOTIFY    "assignee", "resolution target near"
    16    25  HALT
; ladder step, line 28
    17    28  ESCALATE  manager
    18    28  HALT
