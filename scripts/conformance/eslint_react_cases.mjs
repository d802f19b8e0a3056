// Reads RuleTester specs of eslint-plugin-react-web-api and runs the published plugin on
// every case, printing JSON: [{rule, kind: "valid"|"invalid", index, code, expected:
// [messageId], reported: [{messageId, line}]}].
//
//   node eslint_react_cases.mjs TOOLS_DIR RULE=SPEC_FILE...
//
// TOOLS_DIR is a folder whose node_modules holds eslint@9, @typescript-eslint/parser,
// typescript, dedent and eslint-plugin-react-web-api. Each spec is transpiled to CommonJS
// and evaluated with its three imports replaced: the `dedent` tag (as upstream), a
// `ruleTester.run` that records the cases, and the rule's name.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [toolsDir, ...specs] = process.argv.slice(2);
if (!toolsDir || specs.length === 0) {
  console.error("usage: node eslint_react_cases.mjs TOOLS_DIR RULE=SPEC_FILE...");
  process.exit(2);
}
const load = createRequire(path.join(path.resolve(toolsDir), "package.json"));
const ts = load("typescript");
const dedentModule = load("dedent");
const dedent = dedentModule.default ?? dedentModule;
const { Linter } = load("eslint");
const parser = load("@typescript-eslint/parser");
// The plugin is an ES module whose exports have no "require" condition.
const pluginEntry = path.join(path.resolve(toolsDir), "node_modules", "eslint-plugin-react-web-api", "dist", "index.js");
const pluginModule = await import(pathToFileURL(pluginEntry).href);
const plugin = pluginModule.default ?? pluginModule;

function casesOf(ruleName, specFile) {
  const source = readFileSync(specFile, "utf8").replace(/^import .*;$/gm, "");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  let recorded = null;
  const ruleTester = { run: (_name, _rule, cases) => { recorded = cases; } };
  new Function("tsx", "ruleTester", "RULE_NAME", "rule", outputText)(dedent, ruleTester, ruleName, {});
  if (!recorded) throw new Error(`${specFile}: ruleTester.run was never called`);
  return recorded;
}

const linter = new Linter({ configType: "flat" });
const out = [];
for (const arg of specs) {
  const at = arg.indexOf("=");
  const ruleName = arg.slice(0, at);
  const cases = casesOf(ruleName, arg.slice(at + 1));
  const config = [{
    files: ["**/*.tsx"],
    languageOptions: { parser, parserOptions: { ecmaFeatures: { jsx: true } } },
    plugins: { "react-web-api": plugin },
    rules: { [`react-web-api/${ruleName}`]: "error" },
  }];
  for (const kind of ["valid", "invalid"]) {
    (cases[kind] ?? []).forEach((item, index) => {
      const entry = typeof item === "string" ? { code: item } : item;
      if (entry.settings || entry.options || entry.filename) {
        throw new Error(`${ruleName} ${kind}[${index}]: settings/options/filename are not supported`);
      }
      const code = entry.code + "\n";
      const messages = linter.verify(code, config, { filename: "react.tsx" });
      const fatal = messages.filter((m) => m.fatal);
      if (fatal.length) throw new Error(`${ruleName} ${kind}[${index}]: ${fatal[0].message}`);
      out.push({
        rule: ruleName, kind, index, code,
        expected: (entry.errors ?? []).map((e) => e.messageId),
        reported: messages.map((m) => ({ messageId: m.messageId, line: m.line })),
      });
    });
  }
}
process.stdout.write(JSON.stringify(out));
