import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext, type ASTVisitor } from 'graphql';

/**
 * A validation rule: operations nest at most `max` fields deep, fragments included. Introspection
 * fields (__schema, __type) are not counted, so GraphiQL and codegen tools work at any limit.
 */
export function depthLimit(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

    const depthOf = (set: SelectionSetNode, depth: number, seen: ReadonlySet<string>): number => {
      let deepest = depth;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, sel.selectionSet ? depthOf(sel.selectionSet, depth + 1, seen) : depth + 1);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(sel.selectionSet, depth, seen));
        } else {
          const fragment = fragments.get(sel.name.value);
          // A cycle is the NoFragmentCycles rule's to report.
          if (fragment && !seen.has(fragment.name.value)) deepest = Math.max(deepest, depthOf(fragment.selectionSet, depth, new Set([...seen, fragment.name.value])));
        }
      }
      return deepest;
    };

    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, 0, new Set());
        if (depth > max) context.reportError(new GraphQLError(`The query depth is ${depth}; at most ${max} levels are allowed`, { nodes: [node] }));
      },
    };
  };
}
