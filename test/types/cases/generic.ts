// Type cases in generic code: helpers and gradient rules are written over type parameters, and the
// shape checks must decide there too (see constructors.ts for the `//~` convention).
import { add, matmul, sumRows, transpose, type Dim, type Mat } from "../../../src/index.js";

export function matmulVjp<N extends Dim, K extends Dim, M extends Dim>(a: Mat<N, K>, b: Mat<K, M>, g: Mat<N, M>): [Mat<N, K>, Mat<K, M>] {
  return [matmul(g, transpose(b)), matmul(transpose(a), g)];
}

export function biasVjp<R extends Dim, C extends Dim>(g: Mat<R, C>): [Mat<R, C>, Mat<1, C>] {
  return [add(g, sumRows(g)), sumRows(g)];
}

export function layer<N extends Dim, I extends Dim, O extends Dim>(x: Mat<N, I>, w: Mat<I, O>, b: Mat<1, O>): Mat<N, O> {
  return add(matmul(x, w), b);
}

export function wrongRule<N extends Dim, K extends Dim, M extends Dim>(a: Mat<N, K>, b: Mat<K, M>, g: Mat<N, M>): Mat<K, M> {
  // Over type parameters the editor names the check (its text needs concrete dims).
  //~ Argument of type 'Mat<K, M>' is not assignable to parameter of type 'MatmulRight<N, M, K, M>'
  void matmul(g, b);
  //~ Type 'Mat<N, K>' is not assignable to type 'Mat<K, M>'
  return matmul(transpose(g), a) as unknown as Mat<N, K>;
}

export function wrongLayer<N extends Dim, I extends Dim, O extends Dim>(x: Mat<N, I>, w: Mat<I, O>): Mat<N, O> {
  //~ Argument of type 'Mat<N, I>' is not assignable to parameter of type 'MatmulRight<I, O, N, I>'
  return matmul(w, x);
}
