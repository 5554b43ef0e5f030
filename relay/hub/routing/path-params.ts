// Route parameter names read from the path pattern at compile time:
// PathParams<'/api/tasks/:task_id/retry'> is { readonly task_id: string }.

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never

type WildcardName<P extends string> = P extends `${string}*` ? '*' : never

export type PathParams<P extends string> = { readonly [K in ParamNames<P> | WildcardName<P>]: string }
