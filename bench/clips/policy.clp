;;; policy.clp - the benchmark subset of service-2025 in CLIPS 6.30: the tier
;;; choice as rules (one per `sla` block, salience in policy order, so the first
;;; matching tier fires and retracts the query), the events as facts that rules
;;; dispatch, and the clocks, ladders, timer heap and working-time calendar as
;;; deffunctions over COOL instances (cases, clocks, heap slots).  Semantics of
;;; bench/handwritten.c; the subset of bench/bstream.h.
;;;
;;; The host (bench/embed_clips.c) defines the globals ?*week*, ?*closed*,
;;; ?*ofrom*, ?*ooff* from the program's compiled `business` calendar before it
;;; loads this file, defines the function (emit action case at clock tier), and
;;; asserts one `event` fact per event, then runs the agenda.

(defglobal
  ?*DAY* = 86400000
  ?*WEEK* = 604800000
  ?*MON0* = 345600000
  ?*LIM* = 2305843009213693952
  ?*NEVER* = 9223372036854775807
  ?*total* = 0
  ?*now* = -4611686018427387904
  ?*ncreated* = 0
  ?*nheap* = 0
  ?*hcap* = 0)

;;; ---- working-time arithmetic (common/calendar.c) --------------------------

(deffunction fdiv (?a ?b)
  (bind ?q (div ?a ?b))
  (if (and (< ?a 0) (<> (* ?q ?b) ?a)) then (- ?q 1) else ?q))

(deffunction week-total ()
  (bind ?t 0)
  (bind ?i 1)
  (while (< ?i (length$ ?*week*))
    (bind ?t (+ ?t (- (nth$ (+ ?i 1) ?*week*) (nth$ ?i ?*week*))))
    (bind ?i (+ ?i 2)))
  ?t)

(deffunction week-cum (?pos)
  (bind ?acc 0)
  (bind ?n (length$ ?*week*))
  (bind ?i 1)
  (while (< ?i ?n)
    (bind ?s (nth$ ?i ?*week*))
    (if (>= ?s ?pos) then (break))
    (bind ?acc (+ ?acc (- (min ?pos (nth$ (+ ?i 1) ?*week*)) ?s)))
    (bind ?i (+ ?i 2)))
  ?acc)

(deffunction cum (?L)
  (bind ?x (- ?L ?*MON0*))
  (bind ?w (fdiv ?x ?*WEEK*))
  (+ (* ?w ?*total*) (week-cum (- ?x (* ?w ?*WEEK*)))))

(deffunction cum-inverse (?v)
  (bind ?k (- (- 0 (fdiv (- 0 ?v) ?*total*)) 1))
  (bind ?rem (- ?v (* ?k ?*total*)))
  (bind ?acc 0)
  (bind ?pos 0)
  (bind ?n (length$ ?*week*))
  (bind ?i 1)
  (while (< ?i ?n)
    (bind ?s (nth$ ?i ?*week*))
    (bind ?len (- (nth$ (+ ?i 1) ?*week*) ?s))
    (if (>= (+ ?acc ?len) ?rem) then
      (bind ?pos (+ ?s (- ?rem ?acc)))
      (break))
    (bind ?acc (+ ?acc ?len))
    (bind ?i (+ ?i 2)))
  (+ ?*MON0* (* ?k ?*WEEK*) ?pos))

(deffunction closed-lower (?day)
  (bind ?lo 1)
  (bind ?hi (+ (length$ ?*closed*) 1))
  (while (< ?lo ?hi)
    (bind ?mid (div (+ ?lo ?hi) 2))
    (if (< (nth$ ?mid ?*closed*) ?day) then (bind ?lo (+ ?mid 1)) else (bind ?hi ?mid)))
  ?lo)

(deffunction off-index (?t)
  (bind ?lo 1)
  (bind ?hi (+ (length$ ?*ofrom*) 1))
  (while (> (- ?hi ?lo) 1)
    (bind ?mid (div (+ ?lo ?hi) 2))
    (if (<= (nth$ ?mid ?*ofrom*) ?t) then (bind ?lo ?mid) else (bind ?hi ?mid)))
  ?lo)

(deffunction local-between (?l0 ?l1)
  (if (<= ?l1 ?l0) then (return 0))
  (bind ?m (- (cum ?l1) (cum ?l0)))
  (bind ?nc (length$ ?*closed*))
  (if (or (= ?m 0) (= ?nc 0)) then (return ?m))
  (bind ?d1 (fdiv (- ?l1 1) ?*DAY*))
  (bind ?i (closed-lower (fdiv ?l0 ?*DAY*)))
  (while (and (<= ?i ?nc) (<= (nth$ ?i ?*closed*) ?d1))
    (bind ?ds (* (nth$ ?i ?*closed*) ?*DAY*))
    (bind ?m (- ?m (- (cum (min ?l1 (+ ?ds ?*DAY*))) (cum (max ?l0 ?ds)))))
    (bind ?i (+ ?i 1)))
  ?m)

;; (instant work-left): the local instant ?r more working time after ?l0, or
;; NEVER and what is left when ?l1 comes first
(deffunction local-consume (?l0 ?l1 ?r0)
  (bind ?r ?r0)
  (bind ?cur ?l0)
  (bind ?nc (length$ ?*closed*))
  (bind ?i (closed-lower (fdiv ?l0 ?*DAY*)))
  (while (<= ?i ?nc)
    (bind ?ds (* (nth$ ?i ?*closed*) ?*DAY*))
    (if (>= ?ds ?l1) then (break))
    (if (> ?ds ?cur) then
      (bind ?base (cum ?cur))
      (bind ?m (- (cum ?ds) ?base))
      (if (>= ?m ?r) then (return (create$ (cum-inverse (+ ?base ?r)) 0)))
      (bind ?r (- ?r ?m)))
    (bind ?cur (max ?cur (+ ?ds ?*DAY*)))
    (bind ?i (+ ?i 1)))
  (if (< ?cur ?l1) then
    (bind ?base (cum ?cur))
    (bind ?m (- (cum ?l1) ?base))
    (if (>= ?m ?r) then (return (create$ (cum-inverse (+ ?base ?r)) 0)))
    (bind ?r (- ?r ?m)))
  (create$ ?*NEVER* ?r))

(deffunction cal-between (?a0 ?b0)
  (bind ?a (max ?a0 (- 0 ?*LIM*)))
  (bind ?b (min ?b0 ?*LIM*))
  (if (or (<= ?b ?a) (= ?*total* 0)) then (return 0))
  (bind ?sum 0)
  (bind ?no (length$ ?*ooff*))
  (bind ?i (off-index ?a))
  (while (< ?a ?b)
    (bind ?e ?b)
    (if (< ?i ?no) then (bind ?e (min (nth$ (+ ?i 1) ?*ofrom*) ?b)))
    (bind ?o (nth$ ?i ?*ooff*))
    (bind ?sum (+ ?sum (local-between (+ ?a ?o) (+ ?e ?o))))
    (bind ?a ?e)
    (bind ?i (+ ?i 1)))
  ?sum)

(deffunction cal-add (?t ?w)
  (if (<= ?w 0) then (return ?t))
  (if (or (>= ?t ?*LIM*) (= ?*total* 0)) then (return ?*NEVER*))
  (bind ?s (max ?t (- 0 ?*LIM*)))
  (bind ?left ?w)
  (bind ?no (length$ ?*ooff*))
  (bind ?i (off-index ?s))
  (while TRUE
    (bind ?e ?*LIM*)
    (if (< ?i ?no) then (bind ?e (min (nth$ (+ ?i 1) ?*ofrom*) ?*LIM*)))
    (bind ?o (nth$ ?i ?*ooff*))
    (bind ?r (local-consume (+ ?s ?o) (+ ?e ?o) ?left))
    (if (<> (nth$ 1 ?r) ?*NEVER*) then (return (- (nth$ 1 ?r) ?o)))
    (if (>= ?e ?*LIM*) then (return ?*NEVER*))
    (bind ?left (nth$ 2 ?r))
    (bind ?s ?e)
    (bind ?i (+ ?i 1))))

;;; ---- the policy: tiers and ladders ----------------------------------------

;; per tier (policy order), the targets of response handling resolution
;; follow_up in ms (0: none), whether each is on the business calendar, and
;; the ladder
(defglobal
  ?*targets* = (create$
    900000 1800000 7200000 86400000       ; security
    900000 1800000 14400000 86400000      ; outage
    900000 1800000 14400000 86400000      ; vip_emergency
    3600000 0 28800000 86400000           ; vip_complaint
    7200000 0 57600000 86400000           ; complaint_emergency
    7200000 0 57600000 86400000           ; complaint
    900000 1800000 28800000 86400000      ; vip_technical
    3600000 86400000 28800000 86400000    ; vip_complex
    3600000 86400000 86400000 86400000    ; vip
    900000 1800000 28800000 86400000      ; technical_complex
    900000 1800000 259200000 86400000     ; technical
    7200000 172800000 28800000 86400000   ; complex
    7200000 172800000 172800000 86400000  ; process
    7200000 172800000 0 86400000          ; request_contact
    86400000 172800000 0 86400000         ; request
    86400000 0 0 86400000                 ; inquiry
    7200000 0 0 86400000)                 ; default
  ?*business* = (create$
    0 0 0 0  0 0 0 0  0 0 0 0  1 0 1 0  0 0 1 0  1 0 1 0  0 0 0 0  1 0 0 0  1 0 0 0
    1 1 1 0  1 1 0 0  1 0 1 0  1 0 0 0  1 0 0 0  0 0 0 0  0 0 0 0  1 0 0 0)
  ?*ladders* = (create$ incident incident incident complaint complaint complaint
    technical standard standard technical technical standard standard standard
    standard standard standard))

;; the steps of a ladder for clock ?ci: key percent after, lowest point first
(deffunction ladder-steps (?ladder ?ci)
  (if (= ?ci 3) then
    (switch ?ladder
      (case incident then (return (create$ p50 50 0 breach 0 0)))
      (case technical then (return (create$ p75 75 0 breach 0 0 b8h 0 28800000)))
      (case complaint then (return (create$ p25 25 0 breach 0 0 b4h 0 14400000)))
      (default (return (create$ p50 50 0 breach 0 0 b4h 0 14400000)))))
  (if (and (= ?ci 1) (or (eq ?ladder complaint) (eq ?ladder standard))) then
    (return (create$ p75 75 0 breach 0 0)))
  (create$ breach 0 0))

(deffunction tier-target (?t ?ci) (nth$ (+ (* 4 (- ?t 1)) ?ci) ?*targets*))
(deffunction tier-business (?t ?ci) (= 1 (nth$ (+ (* 4 (- ?t 1)) ?ci) ?*business*)))

;;; ---- cases, clocks, the timer heap ---------------------------------------

(defclass CASE (is-a USER)
  (slot id) (slot created) (slot tier (default 0))
  (multislot clocks)
  (slot standing (default regular)) (slot value_tier (default low))
  (slot kind (default inquiry)) (slot category (default communication))
  (slot severity (default routine)) (slot channel (default phone))
  (slot complex (default FALSE)))

(defclass CLOCK (is-a USER)
  (slot case) (slot ci) (slot created)
  (slot state (default idle)) (slot paused (default FALSE))
  (slot has-target (default FALSE))
  (slot elapsed (default 0)) (slot since (default 0))
  (multislot fired)
  (slot hpos (default 0)) (slot hat (default 0)))

;; heap position ?i is the instance [h<i>]; its slot k holds a clock
(defclass HSLOT (is-a USER) (slot k))

(deffunction hname (?i) (symbol-to-instance-name (sym-cat h ?i)))

(deffunction hget (?i) (send (instance-address (hname ?i)) get-k))

(deffunction hput (?i ?k)
  (send (instance-address (hname ?i)) put-k ?k)
  (send ?k put-hpos ?i))

(deffunction before (?a ?b)
  (bind ?x (send ?a get-hat))
  (bind ?y (send ?b get-hat))
  (if (<> ?x ?y) then (return (< ?x ?y)))
  (bind ?x (send ?a get-created))
  (bind ?y (send ?b get-created))
  (if (<> ?x ?y) then (return (< ?x ?y)))
  (< (send ?a get-ci) (send ?b get-ci)))

(deffunction sift-up (?i0)
  (bind ?i ?i0)
  (bind ?e (hget ?i))
  (while (> ?i 1)
    (bind ?p (div ?i 2))
    (bind ?q (hget ?p))
    (if (not (before ?e ?q)) then (break))
    (hput ?i ?q)
    (bind ?i ?p))
  (hput ?i ?e))

(deffunction sift-down (?i0)
  (bind ?i ?i0)
  (bind ?e (hget ?i))
  (while TRUE
    (bind ?c (* 2 ?i))
    (if (> ?c ?*nheap*) then (break))
    (if (and (< ?c ?*nheap*) (before (hget (+ ?c 1)) (hget ?c))) then (bind ?c (+ ?c 1)))
    (bind ?q (hget ?c))
    (if (not (before ?q ?e)) then (break))
    (hput ?i ?q)
    (bind ?i ?c))
  (hput ?i ?e))

(deffunction timer-remove (?k)
  (bind ?i (send ?k get-hpos))
  (if (= ?i 0) then (return))
  (send ?k put-hpos 0)
  (bind ?last (hget ?*nheap*))
  (bind ?*nheap* (- ?*nheap* 1))
  (if (= ?i (+ ?*nheap* 1)) then (return))
  (hput ?i ?last)
  (if (and (> ?i 1) (before ?last (hget (div ?i 2)))) then (sift-up ?i) else (sift-down ?i)))

(deffunction timer-set (?k ?at)
  (bind ?i (send ?k get-hpos))
  (if (= ?i 0) then
    (bind ?*nheap* (+ ?*nheap* 1))
    (if (> ?*nheap* ?*hcap*) then
      (bind ?*hcap* ?*nheap*)
      (make-instance (hname ?*nheap*) of HSLOT))
    (send ?k put-hat ?at)
    (hput ?*nheap* ?k)
    (sift-up ?*nheap*)
    (return))
  (bind ?old (send ?k get-hat))
  (send ?k put-hat ?at)
  (if (< ?at ?old) then (sift-up ?i) else (sift-down ?i)))

;;; ---- clocks ----------------------------------------------------------------

(deffunction on-biz (?c ?k) (tier-business (send ?c get-tier) (send ?k get-ci)))

(deffunction work (?biz ?a ?b)
  (if (<= ?b ?a) then (return 0))
  (if ?biz then (cal-between ?a ?b) else (- ?b ?a)))

(deffunction add-work (?biz ?t ?w)
  (if (<= ?w 0) then (return ?t))
  (if ?biz then (cal-add ?t ?w) else (+ ?t ?w)))

(deffunction counting (?k)
  (and (eq (send ?k get-state) active) (not (send ?k get-paused)) (send ?k get-has-target)))

;; its steps can fire: a paused clock fires those a new target put at or below
;; its working time, at the change.  (State `waiting`: started while the tier
;; gave it no target; elapsed holds when.)
(deffunction armed (?k)
  (and (eq (send ?k get-state) active) (send ?k get-has-target)))

(deffunction settle (?c ?k)
  (if (counting ?k) then
    (send ?k put-elapsed (+ (send ?k get-elapsed)
                            (work (on-biz ?c ?k) (send ?k get-since) ?*now*))))
  (send ?k put-since ?*now*))

(deffunction deadline (?c ?k)
  (if (not (counting ?k)) then (return nil))
  (bind ?t (tier-target (send ?c get-tier) (send ?k get-ci)))
  (bind ?el (send ?k get-elapsed))
  (if (>= ?el ?t) then (return nil))
  (bind ?d (add-work (on-biz ?c ?k) (send ?k get-since) (- ?t ?el)))
  (if (= ?d ?*NEVER*) then nil else ?d))

(deffunction point (?pct ?after ?target)
  (if (> ?pct 0)
    then (+ (* (div ?target 100) ?pct) (div (* (mod ?target 100) ?pct) 100))
    else (+ ?target ?after)))

;; (key percent point) of the lowest unfired step, or ()
(deffunction next-step (?c ?k)
  (bind ?t (send ?c get-tier))
  (bind ?ci (send ?k get-ci))
  (bind ?steps (ladder-steps (nth$ ?t ?*ladders*) ?ci))
  (bind ?fired (send ?k get-fired))
  (bind ?n (length$ ?steps))
  (bind ?i 1)
  (while (<= ?i ?n)
    (bind ?key (nth$ ?i ?steps))
    (if (not (member$ ?key ?fired)) then
      (bind ?pct (nth$ (+ ?i 1) ?steps))
      (return (create$ ?key ?pct (point ?pct (nth$ (+ ?i 2) ?steps) (tier-target ?t ?ci)))))
    (bind ?i (+ ?i 3)))
  (create$))

;; the decision; like the other baselines it carries the deadline (start,
;; resume, sla) or the elapsed time, computed here and dropped by the host
(deffunction emit-clock (?c ?action ?k)
  (if (or (eq ?action start) (eq ?action resume))
    then (bind ?v (deadline ?c ?k))
    else (bind ?v (send ?k get-elapsed)))
  (emit ?action (send ?c get-id) ?*now* (- (send ?k get-ci) 1) -1))

(deffunction emit-sla (?c)
  (bind ?v nil)
  (progn$ (?k (send ?c get-clocks))
    (if (send ?k get-has-target) then (bind ?v (deadline ?c ?k))))
  (emit sla (send ?c get-id) ?*now* -1 (- (send ?c get-tier) 1)))

(deffunction schedule (?c ?k)
  (bind ?s (create$))
  (if (armed ?k) then (bind ?s (next-step ?c ?k)))
  (if (= (length$ ?s) 0) then (timer-remove ?k) (return))
  (settle ?c ?k)
  (bind ?p (nth$ 3 ?s))
  (bind ?el (send ?k get-elapsed))
  (if (and (not (counting ?k)) (> ?p ?el)) then (timer-remove ?k) (return))
  (bind ?at ?*now*)
  (if (> ?p ?el) then (bind ?at (add-work (on-biz ?c ?k) ?*now* (- ?p ?el))))
  (if (= ?at ?*NEVER*) then (timer-remove ?k) else (timer-set ?k ?at)))

(deffunction fire (?k)
  (bind ?c (send ?k get-case))
  (settle ?c ?k)
  (while (armed ?k)
    (bind ?s (next-step ?c ?k))
    (if (or (= (length$ ?s) 0) (> (nth$ 3 ?s) (send ?k get-elapsed))) then (break))
    (slot-insert$ ?k fired 1 (nth$ 1 ?s))
    (if (> (nth$ 2 ?s) 0) then (emit-clock ?c warn ?k) else (emit-clock ?c breach ?k)))
  (schedule ?c ?k))

(deffunction clock-of (?c ?ci) (nth$ ?ci (send ?c get-clocks)))

(deffunction start-clock (?c ?ci)
  (bind ?k (clock-of ?c ?ci))
  (if (eq (send ?k get-state) active) then (return))
  (if (not (send ?k get-has-target)) then
    (if (neq (send ?k get-state) waiting) then
      (send ?k put-state waiting)
      (send ?k put-elapsed ?*now*))
    (return))
  (send ?k put-state active)
  (send ?k put-elapsed 0)
  (send ?k put-fired (create$))
  (send ?k put-paused FALSE)
  (send ?k put-since ?*now*)
  (emit-clock ?c start ?k)
  (schedule ?c ?k))

(deffunction stop-clock (?c ?ci)
  (bind ?k (clock-of ?c ?ci))
  (if (eq (send ?k get-state) waiting) then (send ?k put-state idle))
  (if (neq (send ?k get-state) active) then (return))
  (settle ?c ?k)
  (send ?k put-state stopped)
  (timer-remove ?k)
  (if (send ?k get-has-target) then (emit-clock ?c stop ?k)))

(deffunction pause-clock (?c ?ci)
  (bind ?k (clock-of ?c ?ci))
  (if (or (neq (send ?k get-state) active) (send ?k get-paused)) then (return))
  (bind ?was (counting ?k))
  (settle ?c ?k)
  (send ?k put-paused TRUE)
  (if ?was then (emit-clock ?c pause ?k))
  (schedule ?c ?k))

(deffunction resume-clock (?c ?ci)
  (bind ?k (clock-of ?c ?ci))
  (if (or (neq (send ?k get-state) active) (not (send ?k get-paused))) then (return))
  (settle ?c ?k)
  (send ?k put-paused FALSE)
  (if (counting ?k) then (emit-clock ?c resume ?k))
  (schedule ?c ?k))

;; `reopened`: the clocks a resolution stops (handling, resolution) run on;
;; the response already given stays met
(deffunction reopen-clocks (?c)
  (loop-for-count (?ci 2 3)
    (bind ?k (clock-of ?c ?ci))
    (if (eq (send ?k get-state) stopped) then
      (send ?k put-state active)
      (send ?k put-paused FALSE)
      (send ?k put-since ?*now*)
      (if (counting ?k) then (emit-clock ?c resume ?k))
      (schedule ?c ?k))))

;; a tier chosen: on a change every clock takes the new target, keeping the
;; working time counted so far, and a clock waiting for a target starts with the
;; working time since its start event
(deffunction retarget (?c ?t)
  (if (= ?t (send ?c get-tier)) then (return))
  (if (> (send ?c get-tier) 0) then
    (progn$ (?k (send ?c get-clocks)) (settle ?c ?k)))
  (send ?c put-tier ?t)
  (progn$ (?k (send ?c get-clocks))
    (send ?k put-has-target (<> 0 (tier-target ?t (send ?k get-ci))))
    (send ?k put-since ?*now*))
  (emit-sla ?c)
  (progn$ (?k (send ?c get-clocks))
    (if (and (eq (send ?k get-state) waiting) (send ?k get-has-target)) then
      (bind ?from (send ?k get-elapsed))
      (send ?k put-state active)
      (send ?k put-fired (create$))
      (send ?k put-paused FALSE)
      (send ?k put-since ?*now*)
      (send ?k put-elapsed (work (on-biz ?c ?k) ?from ?*now*))
      (emit-clock ?c start ?k)))
  (progn$ (?k (send ?c get-clocks)) (schedule ?c ?k)))

(deffunction advance (?t)
  (while (and (> ?*nheap* 0) (<= (send (hget 1) get-hat) ?t))
    (bind ?k (hget 1))
    (if (> (send ?k get-hat) ?*now*) then (bind ?*now* (send ?k get-hat)))
    (fire ?k))
  (if (> ?t ?*now*) then (bind ?*now* ?t)))

(deffunction open-case (?id)
  (bind ?*ncreated* (+ ?*ncreated* 1))
  (bind ?c (instance-address (make-instance (symbol-to-instance-name ?id) of CASE
                                            (id ?id) (created ?*ncreated*))))
  (bind ?ks (create$))
  (loop-for-count (?ci 1 4)
    (bind ?ks (create$ ?ks (instance-address
                (make-instance of CLOCK (case ?c) (ci ?ci) (created ?*ncreated*)
                               (since ?*now*))))))
  (send ?c put-clocks ?ks)
  ?c)

(deffunction close-case (?c)
  (progn$ (?k (send ?c get-clocks)) (timer-remove ?k) (send ?k delete))
  (send ?c delete))

;;; ---- events: facts, dispatched by rules -------------------------------------

;; an event as the host asserts it: fields it does not carry are `absent`
(deftemplate event
  (slot type) (slot case) (slot at)
  (slot standing (default absent)) (slot value_tier (default absent))
  (slot kind (default absent)) (slot category (default absent))
  (slot severity (default absent)) (slot channel (default absent))
  (slot complex (default absent)))

;; the clock work of an event, after its tier is settled
(deftemplate apply (slot type) (slot case) (slot at))
;; choose the tier of a case from its fields (the `sla` rules below)
(deftemplate choose
  (slot case) (slot standing) (slot value_tier) (slot kind) (slot category)
  (slot severity) (slot channel) (slot complex))

(deffunction set-field (?c ?slot ?v)
  (if (or (eq ?v absent) (eq ?v (send ?c (sym-cat get- ?slot)))) then (return FALSE))
  (send ?c (sym-cat put- ?slot) ?v)
  TRUE)

(deffunction on-event (?type ?id ?at ?st ?vt ?kd ?cat ?sev ?ch ?cx)
  (if (< ?at ?*now*) then (return))        ; too late (tolerance 0)
  (advance ?at)
  (if (or (eq ?type tick) (eq ?id nil)) then (return))
  (bind ?exists (instance-existp (symbol-to-instance-name ?id)))
  (bind ?opened (eq ?type opened))
  (if (eq ?opened ?exists) then (return))  ; already open / unknown case
  (if ?opened
    then (bind ?c (open-case ?id))
    else (bind ?c (instance-address (symbol-to-instance-name ?id))))
  (bind ?changed ?opened)
  (if (set-field ?c standing ?st) then (bind ?changed TRUE))
  (if (set-field ?c value_tier ?vt) then (bind ?changed TRUE))
  (if (set-field ?c kind ?kd) then (bind ?changed TRUE))
  (if (set-field ?c category ?cat) then (bind ?changed TRUE))
  (if (set-field ?c severity ?sev) then (bind ?changed TRUE))
  (if (set-field ?c channel ?ch) then (bind ?changed TRUE))
  (if (set-field ?c complex ?cx) then (bind ?changed TRUE))
  (if ?changed then
    (assert (choose (case ?c) (standing (send ?c get-standing))
                    (value_tier (send ?c get-value_tier)) (kind (send ?c get-kind))
                    (category (send ?c get-category)) (severity (send ?c get-severity))
                    (channel (send ?c get-channel)) (complex (send ?c get-complex)))))
  (assert (apply (type ?type) (case ?c) (at ?at))))

(defrule event
  (declare (salience 100))
  ?e <- (event (type ?type) (case ?id) (at ?at) (standing ?st) (value_tier ?vt) (kind ?kd)
               (category ?cat) (severity ?sev) (channel ?ch) (complex ?cx))
  =>
  (retract ?e)
  (on-event ?type ?id ?at ?st ?vt ?kd ?cat ?sev ?ch ?cx))

;; the tiers, first match wins: salience 67 (security) down to 51 (default)
(defrule tier-security (declare (salience 67))
  ?q <- (choose (case ?c) (kind security)) => (retract ?q) (retarget ?c 1))
(defrule tier-outage (declare (salience 66))
  ?q <- (choose (case ?c) (kind outage)) => (retract ?q) (retarget ?c 2))
(defrule tier-vip_emergency (declare (salience 65))
  ?q <- (choose (case ?c) (standing ?s) (value_tier ?v) (severity emergency))
  (test (or (eq ?s vip) (eq ?v high)))
  => (retract ?q) (retarget ?c 3))
(defrule tier-vip_complaint (declare (salience 64))
  ?q <- (choose (case ?c) (kind complaint) (standing ?s) (value_tier ?v))
  (test (or (eq ?s vip) (eq ?v high)))
  => (retract ?q) (retarget ?c 4))
(defrule tier-complaint_emergency (declare (salience 63))
  ?q <- (choose (case ?c) (kind complaint) (severity emergency))
  => (retract ?q) (retarget ?c 5))
(defrule tier-complaint (declare (salience 62))
  ?q <- (choose (case ?c) (kind complaint)) => (retract ?q) (retarget ?c 6))
(defrule tier-vip_technical (declare (salience 61))
  ?q <- (choose (case ?c) (category technical) (standing ?s) (value_tier ?v))
  (test (or (eq ?s vip) (eq ?v high)))
  => (retract ?q) (retarget ?c 7))
(defrule tier-vip_complex (declare (salience 60))
  ?q <- (choose (case ?c) (complex TRUE) (standing ?s) (value_tier ?v))
  (test (or (eq ?s vip) (eq ?v high)))
  => (retract ?q) (retarget ?c 8))
(defrule tier-vip (declare (salience 59))
  ?q <- (choose (case ?c) (standing ?s) (value_tier ?v))
  (test (or (eq ?s vip) (eq ?v high)))
  => (retract ?q) (retarget ?c 9))
(defrule tier-technical_complex (declare (salience 58))
  ?q <- (choose (case ?c) (category technical) (complex TRUE))
  => (retract ?q) (retarget ?c 10))
(defrule tier-technical (declare (salience 57))
  ?q <- (choose (case ?c) (category technical)) => (retract ?q) (retarget ?c 11))
(defrule tier-complex (declare (salience 56))
  ?q <- (choose (case ?c) (complex TRUE)) => (retract ?q) (retarget ?c 12))
(defrule tier-process (declare (salience 55))
  ?q <- (choose (case ?c) (category process)) => (retract ?q) (retarget ?c 13))
(defrule tier-request_contact (declare (salience 54))
  ?q <- (choose (case ?c) (kind request) (channel phone|email|chat))
  => (retract ?q) (retarget ?c 14))
(defrule tier-request (declare (salience 53))
  ?q <- (choose (case ?c) (kind request)) => (retract ?q) (retarget ?c 15))
(defrule tier-inquiry (declare (salience 52))
  ?q <- (choose (case ?c) (kind inquiry)) => (retract ?q) (retarget ?c 16))
(defrule tier-default (declare (salience 51))
  ?q <- (choose (case ?c)) => (retract ?q) (retarget ?c 17))

;; what each event does to the clocks (after the tier rules)
(defrule apply
  (declare (salience 10))
  ?a <- (apply (type ?type) (case ?c) (at ?at))
  =>
  (retract ?a)
  (switch ?type
    (case opened then (start-clock ?c 1) (start-clock ?c 2) (start-clock ?c 3))
    (case responded then (stop-clock ?c 1))
    (case paused then (pause-clock ?c 2) (pause-clock ?c 3))
    (case resumed then (resume-clock ?c 2) (resume-clock ?c 3))
    (case resolved then (stop-clock ?c 2) (stop-clock ?c 3) (start-clock ?c 4))
    (case reopened then (reopen-clocks ?c) (stop-clock ?c 4))
    (case closed then (stop-clock ?c 2) (stop-clock ?c 3) (close-case ?c))
    (case followed_up then (stop-clock ?c 4))
    (case handled then (stop-clock ?c 2)))
  (advance ?at))                            ; steps the event made due at once
