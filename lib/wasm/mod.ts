/**
 * The WebAssembly binary reader and the validator that holds a module against the ABI.
 *
 * @example
 * ```ts
 * import { parseWasm } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
 * assert.deepEqual(parseWasm(empty).exports, []);
 * ```
 *
 * @module
 */
export {
  type ExternKind,
  type GlobalType,
  type MemoryType,
  parseWasm,
  type TableType,
  type WasmExport,
  type WasmFunction,
  type WasmImport,
  type WasmInfo,
  type WasmMemory,
  type WasmSection,
  withMemoryMaximum,
} from "./wasm_binary.ts";
export {
  type ExportCheck,
  type Finding,
  FINDING_SEVERITIES,
  type FindingCode,
  type FormatOptions,
  formatReport,
  type ImportCheck,
  PROFILE_OPTIONS,
  type ProfileOption,
  type Severity,
  validateFile,
  validateModule,
  type ValidateOptions,
  type ValidationReport,
} from "./validate.ts";
