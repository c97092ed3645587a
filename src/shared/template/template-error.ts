import { UserError } from '../errors.js';

/**
 * A template that cannot be parsed or executed. Messages follow Go's text/template
 * (`template: name:1:12: executing "name" at <.foo>: map has no entry for key "foo"`): they
 * quote template source, never the data being rendered.
 */
export class TemplateError extends UserError {}
