;; spin_alloc: malloc never returns when asked for 7 bytes, free never returns
;; for a buffer starting with "F", and init never returns for a 4-byte
;; config; pre_hook echoes.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $ptr i32)
    (if (i32.eq (local.get $n) (i32.const 7)) (then (loop $l (br $l))))
    (local.set $ptr (global.get $top))
    (global.set $top (i32.and (i32.add (i32.add (local.get $ptr) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.get $ptr))
  (func (export "free") (param $p i32)
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 70)) (then (loop $l (br $l)))))
  (func (export "init") (param i32 i32) (result i32)
    (if (i32.eq (local.get 1) (i32.const 4)) (then (loop $l (br $l))))
    (i32.const 0))
  (data (i32.const 16) "spin_alloc")
  (func (export "get_name") (result i64) (i64.const 68719476746))
  (func (export "pre_hook") (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $p)) (i64.const 32)) (i64.extend_i32_u (local.get $n)))))
