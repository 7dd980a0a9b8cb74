// Import boundaries: the pipeline runs one way, and so do imports.
// parse (src/parser) -> sites -> model -> classify -> sim -> rules (with suppressions) -> report;
// a stage may import the stages before it, never one after it. types.ts, util/ and
// version.ts are for everyone; pipeline/, commands/, testing/, cli.ts and the files the
// commands read (config.ts, baseline.ts, input.ts) sit on top.
const STAGES = ['parser', 'sites', 'model', 'classify', 'sim', '(rules|suppressions)', 'report'];
const TOP = '^src/(pipeline|commands|testing)/|^src/(cli|config|baseline|input)\\.ts$';

const stageRules = STAGES.slice(0, -1).map((stage, i) => ({
  name: `${stage.replace(/\W/g, '')}-imports-no-later-stage`,
  comment: `src/${stage} is stage ${i + 1} of the pipeline: it must not import a later stage or the layers on top`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: `^src/(${STAGES.slice(i + 1).join('|')})/|${TOP}` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle makes the order of the pipeline meaningless: break it by moving the shared part down',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...stageRules,
    {
      name: 'report-is-last',
      comment: 'Reporters turn a RunResult into text; they import no layer on top',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: TOP },
    },
    {
      name: 'shared-imports-no-stage',
      comment: 'types.ts, util/ and version.ts are importable by every stage, so they import none (types only)',
      severity: 'error',
      from: { path: '^src/(types|version)\\.ts$|^src/util/' },
      to: { path: '^src/', pathNot: '^src/(types|version)\\.ts$|^src/util/|^src/parser/c/tree-sitter\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-imports-no-tests',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
