// Model list types (GET /v1/models): ListModelsRequest, ModelEntry,
// ListModelsResponse. Go's BifrostListModelsRequest/Response [src]; the
// request's and answer's JSON in the WASM host is a guess
// (docs/abi-request-kinds.md).
import { JsonList, JsonObject } from "./json";

/** The model list request a pre_hook sees: the provider only. */
export class ListModelsRequest extends JsonObject {
  get provider(): string {
    return this.getStringOr("provider", "");
  }
}

/** One listed model; Bifrost names it `provider/model`. */
export class ModelEntry extends JsonObject {
  get id(): string {
    return this.getStringOr("id", "");
  }
  set id(v: string) {
    this.set<string>("id", v);
  }
  get ownedBy(): string | null {
    return this.getStringOrNull("owned_by");
  }
}

/** A model list. */
export class ListModelsResponse extends JsonObject {
  get data(): JsonList<ModelEntry> {
    return new JsonList<ModelEntry>(this.getOrCreateArray("data"));
  }
}
