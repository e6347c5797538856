// Types of bin/build-state.js, for the TypeScript that imports it (the start-up benchmark).
export declare const root: string;
export declare function newestSource(): number;
export declare function clientGenerated(): boolean;
export declare function currentBuild(): string | undefined;
