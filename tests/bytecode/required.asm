policy  "required" version "1"  (required.slate)
hash    bb7b93b1fe5599b954d1e57735d87f9bd3a5906a157966a39f76295a9fdcf039
image   1273 bytes, format 3
code    3 instructions, 0 registers, at most 2 steps per event or timer

fields
    0 priority         enum {p1, p2} required on opened, reopened
    1 channel          enum {phone, web} required on opened
    2 note             string
levels
ladders

events
    0 opened  start response
    1 responded  stop response

clocks
    0 response         declared  line 10

calendars

tiers (selection @0)
    0 urgent            line 13
      response within 15m  line 14
        at breach (15m) implicit  line 14
    1 normal           default  line 17
      response within 4h  line 18
        at breach (4h) implicit  line 18

rules

strings
    0 ""
    1 "priority"
    2 "p1"
    3 "p2"
    4 "channel"
    5 "phone"
    6 "web"
    7 "note"
    8 "opened"
    9 "responded"
   10 "updated"
   11 "paused"
   12 "resumed"
   13 "resolved"
   14 "reopened"
   15 "closed"
   16 "followed_up"
   17 "surveyed"
   18 "reviewed"
   19 "tick"
   20 "response"
   21 "urgent"
   22 "normal"
   23 "required"
   24 "1"
   25 "required.slate"

code
    pc  line  op
; tier selection
     0    13  FJNE      priority, p1 (priority), ->2
     1    13  TIER      urgent
     2    17  TIER      normal
