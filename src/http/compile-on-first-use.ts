/**
 * Compiling on first use, for Fastify's per-route compilers (request validators in validation.ts, response
 * serializers in serialization.ts): Fastify asks for every route's functions at `ready`, and compiling them
 * all then costs an API node megabytes of heap for routes it never serves. `defer` returns what compiles one
 * route's function the first time it is called and returns the same function afterwards; `compileAll`
 * compiles every one still pending (tests: a broken schema still fails one).
 */
export interface CompileOnFirstUse<Input, Compiled> {
  defer(input: Input): () => Compiled;
  /** Compiles every deferred function not compiled yet; returns how many there are in all. */
  compileAll(): number;
}

export function compileOnFirstUse<Input, Compiled>(
  compileNow: (input: Input) => Compiled,
): CompileOnFirstUse<Input, Compiled> {
  const deferred: (() => Compiled)[] = [];
  return {
    defer(input) {
      let compiled: Compiled | undefined;
      const compile = (): Compiled => {
        compiled ??= compileNow(input);
        return compiled;
      };
      deferred.push(compile);
      return compile;
    },
    compileAll() {
      for (const compile of deferred) compile();
      return deferred.length;
    },
  };
}
