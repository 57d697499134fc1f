policy  "minimal" version "1"  (minimal.slate)
hash    a0ccd71a491341c3e53c00ee8b9ad4cd10400dbe398dbf0d64d56d0155bc8c97
image   1004 bytes, format 1
code    6 instructions, 1 registers, at most 6 steps per event or timer

fields
    0 urgent           bool
levels
ladders

events
    0 opened  rules @1

clocks

calendars

tiers (selection @0)

rules
    0 on opened           line 6

strings
    0 ""
    1 "urgent"
    2 "opened"
    3 "responded"
    4 "updated"
    5 "paused"
    6 "resumed"
    7 "resolved"
    8 "reopened"
    9 "closed"
   10 "followed_up"
   11 "surveyed"
   12 "reviewed"
   13 "tick"
   14 "front_desk"
   15 "minimal"
   16 "1"
   17 "minimal.slate"

code
    pc  line  op
; tier selection
     0     2  TIER      (no tier)
; on opened
     1     6  RULE      #0 (line 6)
     2     6  FIELD     r0, urgent
     3     6  JMPF      r0, ->5
     4     6  ROUTE     "front_desk"
     5     6  HALT
