// A change's references, printed and parsed here only: the ids its buttons carry, its deploy
// jobs' ids, its audit object and the way people name it. Every other module asks this one.

/** The button actions of a change, as the commands register them. */
export const CHANGE_ACTIONS = { approve: "change.approve", reject: "change.reject" } as const;
export type ChangeAction = keyof typeof CHANGE_ACTIONS;

/** A button's action id: `change.approve:42`. */
export const changeActionId = (action: ChangeAction, id: number) => `${CHANGE_ACTIONS[action]}:${id}`;

/** The change id in a button's argument (what follows the prefix), or null when it is not one. */
export function parseChangeId(arg: string): number | null {
  const m = /^#?(\d{1,9})$/.exec(arg.trim());
  return m ? Number(m[1]) : null;
}

/** The deploy job of a change's n-th attempt: unique across databases and Redis prefixes. */
export const deployJobId = (c: { uid: string }, attempt: number) => `deploy-${c.uid}-${attempt}`;

/** The audit object naming a change. */
export const changeObject = (id: number) => `change:${id}`;

export const changeTitle = (c: { id: number; summary: string }, routerName: string) =>
  `Change #${c.id} on ${routerName}: ${c.summary}`;
