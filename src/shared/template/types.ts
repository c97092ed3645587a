/** The public types of the template engine (re-exported by index.ts). */

export type TemplateFunc = (...args: any[]) => unknown;
export type FuncMap = Readonly<Record<string, TemplateFunc>>;

export interface TemplateOptions {
  /** Functions merged over the builtins (a name given here replaces a builtin of that name). */
  funcs?: FuncMap;
  /** Go's `missingkey` option: `default` prints `<no value>`, `zero` the zero value, `error` fails. */
  missingKey?: 'default' | 'zero' | 'error';
  /** Action delimiters; default `{{` and `}}`. */
  leftDelim?: string;
  rightDelim?: string;
  /** The template's name in error messages; default `template`. */
  name?: string;
}

export interface Template {
  execute(data: unknown): string;
}
