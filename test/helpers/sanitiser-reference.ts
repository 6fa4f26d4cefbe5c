import sanitizeHtml from 'sanitize-html';
import { ALLOWED_ATTRIBUTES, ALLOWED_TAGS } from '../../server/desk/sanitise.js';

/**
 * The reference the server's own allow-list is held against: sanitize-html (maintained,
 * htmlparser2 underneath) with the same allow-list and the options the server used
 * before its single-pass sanitiser (server/desk/sanitise.ts).
 */
const ABSOLUTE = /^\s*(?:https?:\/\/|mailto:)/i;

function absolute(attribs: sanitizeHtml.Attributes, name: string): sanitizeHtml.Attributes {
  const value = attribs[name];
  if (value === undefined) return attribs;
  const urls = name === 'srcset' ? value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '') : [value];
  if (urls.every((u) => ABSOLUTE.test(u))) return attribs;
  const { [name]: _dropped, ...rest } = attribs;
  return rest;
}

export const REFERENCE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...ALLOWED_TAGS],
  allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([k, v]) => [k, [...v]])),
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'], source: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'srcset', 'cite'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  exclusiveFilter: (frame) => frame.tag === 'input' && (frame.attribs.type !== 'checkbox' || frame.attribs.disabled === undefined),
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...absolute(attribs, 'href'), rel: 'noopener noreferrer nofollow', target: '_blank' } }),
    img: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'src') }),
    source: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'srcset') }),
    blockquote: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'cite') }),
    q: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'cite') }),
  },
};

export const referenceSanitise = (html: string): string => sanitizeHtml(html, REFERENCE_OPTIONS);
