policy  "minimal" version "1"  (minimal.slate)
hash    c17a89ee2d81d759b84468b17f82d42fb62a46977a5c88629cbbccce45082a1f
image   992 bytes, format 2
code    5 instructions, 0 registers, at most 5 steps per event or timer

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
     2     6  FJEQ      urgent, false, ->4
     3     6  ROUTE     "front_desk"
     4     6  HALT
