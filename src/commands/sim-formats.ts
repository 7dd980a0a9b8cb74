/** The output formats of `simulate` and `explain`: named by both commands' options and by their runs. */
export const SIM_FORMATS = ['text', 'mermaid', 'json'] as const;
export type SimFormat = (typeof SIM_FORMATS)[number];
