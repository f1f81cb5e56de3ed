;; badptr: pre_hook answers a pointer past memory; post_hook a length past it.
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
  (data (i32.const 16) "badptr")
  (func (export "get_name") (result i64) (i64.const 68719476742))
  (func (export "pre_hook") (param i32 i32) (result i64) (i64.const 0x0010000000000010))
  (func (export "post_hook") (param i32 i32) (result i64) (i64.const 0x0000001000100000)))
