;; faulty: for the hammer test. pre_hook echoes unless the instance was
;; poisoned; post_hook traps on an input starting with "t" and spins on one
;; starting with "s", poisoning the instance first: an instance reused after
;; a fault answers "POISONED".
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (global $frees (mut i32) (i32.const 0))
  ;; A bump allocator: grows memory as needed, returns 0 when it cannot.
  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (global.get $top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $top (local.get $end))
    (local.get $ptr))
  (func (export "free") (param i32) (global.set $frees (i32.add (global.get $frees) (i32.const 1))))
  (data (i32.const 16) "faulty")
  (func (export "get_name") (result i64) (i64.const 68719476742))
  (data (i32.const 32) "POISONED")
  (global $poisoned (mut i32) (i32.const 0))
  (func $echo (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n))))
  (func $guarded (param $p i32) (param $n i32) (result i64)
    (if (global.get $poisoned) (then (return (i64.const 0x0000002000000008))))
    (call $echo (local.get $p) (local.get $n)))
  (func (export "pre_hook") (param i32 i32) (result i64) (call $guarded (local.get 0) (local.get 1)))
  (func (export "post_hook") (param $p i32) (param $n i32) (result i64)
    (if (i32.eqz (local.get $n)) (then (return (call $guarded (local.get $p) (local.get $n)))))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 116)) ;; t
      (then (global.set $poisoned (i32.const 1)) (unreachable)))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 115)) ;; s
      (then (global.set $poisoned (i32.const 1)) (loop $l (br $l))))
    (call $guarded (local.get $p) (local.get $n))))
