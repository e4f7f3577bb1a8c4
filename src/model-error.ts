/** A mistake in a model's declaration, named with the model's file. */
export class ModelError extends Error {
  override readonly name = "ModelError";
}
