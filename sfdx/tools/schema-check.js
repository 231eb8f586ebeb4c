#!/usr/bin/env node
// Schema check of every *-meta.xml against the Metadata API WSDL as shipped in @salesforce/types
// (lib/metadata.d.ts). Errors: unknown root type, elements that are not fields of their type, enum values
// outside the enum, non-boolean or non-numeric values. Warnings: missing required elements.
// Usage: node schema-check.js <project-dir>. Exits 1 on any error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { XMLParser } = require('fast-xml-parser');

// String-typed fields that hold nested XML in source format (LightningComponentBundle stores its
// targetConfigs as an XML blob).
const XML_BLOB_FIELDS = new Set(['LightningComponentBundle.targetConfigs']);
// String-typed fields that hold a comma-separated list of enum values (sfdx.md §2: an ECA takes one
// commaSeparatedOauthScopes string, spelled like ConnectedApp <scopes>: Api, RefreshToken).
const COMMA_SEPARATED_ENUMS = new Map([['ExtlClntAppOauthSettings.commaSeparatedOauthScopes', 'ConnectedAppOauthAccessScope']]);

function loadSchema() {
    // The package's "exports" map blocks require.resolve of lib/metadata.d.ts; find it through the module paths.
    const dirs = [...(process.env.NODE_PATH || '').split(path.delimiter), ...module.paths].filter(Boolean);
    const file = dirs.map((d) => path.join(d, '@salesforce', 'types', 'lib', 'metadata.d.ts')).find((f) => fs.existsSync(f));
    if (!file) throw new Error('@salesforce/types/lib/metadata.d.ts not found (install the sfdx tools)');
    const src = fs.readFileSync(file, 'utf8');
    const types = new Map();
    const enums = new Map();
    const aliases = new Map();
    for (const m of src.matchAll(/^export type (\w+) = ((?:\w+ & )*)\{\n([\s\S]*?)^\};/gm)) {
        const bases = m[2].split('&').map((s) => s.trim()).filter(Boolean);
        const props = new Map();
        for (const p of m[3].matchAll(/^\s+(\w+)(\?)?: (\w+)(\[\])?;/gm)) {
            props.set(p[1], { type: p[3], optional: Boolean(p[2]), array: Boolean(p[4]) });
        }
        types.set(m[1], { bases, props });
    }
    for (const m of src.matchAll(/^export type (\w+) = ('[^'\n]*'(?: \| '[^'\n]*')*);/gm)) {
        enums.set(m[1], new Set([...m[2].matchAll(/'([^']*)'/g)].map((v) => v[1])));
    }
    for (const m of src.matchAll(/^export type (\w+) = (string|number|boolean|unknown);/gm)) aliases.set(m[1], m[2]);
    return { types, enums, aliases };
}

function allProps(schema, typeName, seen = new Set()) {
    const t = schema.types.get(typeName);
    if (!t || seen.has(typeName)) return new Map();
    seen.add(typeName);
    const out = new Map();
    for (const b of t.bases) for (const [k, v] of allProps(schema, b, seen)) out.set(k, v);
    for (const [k, v] of t.props) out.set(k, v);
    return out;
}

function walkFiles(dir, out) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (e.name !== 'node_modules' && !e.name.startsWith('.')) walkFiles(p, out);
        } else if (e.name.endsWith('-meta.xml')) {
            out.push(p);
        }
    }
    return out;
}

function main() {
    const projectDir = path.resolve(process.argv[2] || '.');
    const project = JSON.parse(fs.readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8'));
    const schema = loadSchema();
    const parser = new XMLParser({
        preserveOrder: true,
        ignoreAttributes: false,
        attributeNamePrefix: '@',
        parseTagValue: false,
        trimValues: true,
        ignoreDeclaration: true,
        commentPropName: '#comment'
    });
    const errors = [];
    const warnings = [];
    let checked = 0;

    for (const pkg of project.packageDirectories) {
        for (const file of walkFiles(path.join(projectDir, pkg.path), [])) {
            const rel = path.relative(projectDir, file);
            const err = (msg) => errors.push(`ERROR ${rel}: ${msg}`);
            let doc;
            try {
                doc = parser.parse(fs.readFileSync(file, 'utf8'));
            } catch (e) {
                err(`cannot parse: ${e.message}`);
                continue;
            }
            const root = doc.find((n) => !n['#comment'] && !n['?xml']);
            const rootName = root && Object.keys(root).find((k) => k !== ':@');
            if (!rootName || !schema.types.has(rootName)) {
                err(`unknown metadata type <${rootName}>`);
                continue;
            }
            checked++;
            const check = (typeName, children, where) => {
                const props = allProps(schema, typeName);
                const present = new Set();
                for (const child of children) {
                    const name = Object.keys(child).find((k) => k !== ':@');
                    if (name === '#text' || name === '#comment') continue;
                    present.add(name);
                    const prop = props.get(name);
                    if (!prop) {
                        err(`<${where}/${name}> is not a field of ${typeName}`);
                        continue;
                    }
                    const xsiType = child[':@'] && child[':@']['@xsi:type'];
                    const fieldType = xsiType || prop.type;
                    const kids = child[name];
                    const hasElements = kids.some((k) => !('#text' in k) && !('#comment' in k));
                    const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
                    const base = schema.aliases.get(fieldType) || fieldType;
                    if (XML_BLOB_FIELDS.has(`${typeName}.${name}`)) continue;
                    const listEnum = COMMA_SEPARATED_ENUMS.get(`${typeName}.${name}`);
                    if (listEnum) {
                        for (const v of text.split(',').map((x) => x.trim())) {
                            if (!schema.enums.get(listEnum).has(v)) err(`<${name}>: ${JSON.stringify(v)} is not in ${listEnum}`);
                        }
                        continue;
                    }
                    if (schema.enums.has(fieldType)) {
                        if (!schema.enums.get(fieldType).has(text)) {
                            err(`<${name}>${text}</${name}> is not in ${fieldType} {${[...schema.enums.get(fieldType)].join(', ')}}`);
                        }
                    } else if (base === 'boolean') {
                        if (text !== 'true' && text !== 'false') err(`<${name}>${text}</${name}> is not a boolean`);
                    } else if (base === 'number') {
                        if (!/^-?\d+(\.\d+)?$/.test(text)) err(`<${name}>${text}</${name}> is not a number`);
                    } else if (base === 'string' || base === 'unknown') {
                        if (hasElements && base === 'string') err(`<${name}> must hold text, not elements`);
                    } else if (schema.types.has(fieldType)) {
                        check(fieldType, kids, `${where}/${name}`);
                    } else {
                        warnings.push(`WARN ${rel}: <${name}> has type ${fieldType}, unknown to the schema`);
                    }
                }
                for (const [name, prop] of props) {
                    // Array fields are "required" in the WSDL typings even though minOccurs is 0.
                    if (!prop.optional && !prop.array && name !== 'fullName' && !present.has(name)) {
                        warnings.push(`WARN ${rel}: required <${where}/${name}> missing`);
                    }
                }
            };
            check(rootName, root[rootName], rootName);
        }
    }
    for (const w of warnings) console.log(w);
    for (const e of errors) console.error(e);
    if (errors.length > 0) {
        console.error(`schema check: ${errors.length} error(s) in ${checked} files`);
        process.exit(1);
    }
    console.log(`schema check: ${checked} files OK (${schema.types.size} types, ${schema.enums.size} enums)`);
}

try {
    main();
} catch (e) {
    console.error(`ERROR ${e.message}`);
    process.exit(1);
}
