#!/usr/bin/env node
// Offline project check with @salesforce/source-deploy-retrieve (SDR), the library behind `sf project convert`.
// Convert alone is lenient (sfdx.md §10.2), so this script also reports:
//   - files under a package directory that no component claims (a stray file, a .cls without -meta.xml);
//   - malformed XML (fast-xml-parser's XMLValidator), which convert silently repairs or passes;
//   - a root element that does not match the component's metadata type;
//   - Task/Event custom fields outside objects/Activity/fields (the org rejects them);
//   - platform-event fields of a type platform events do not support.
// Finally it converts the whole project to the Metadata API format in memory.
// Usage: node project-check.js <project-dir>. Prints "ERROR <file>: <message>" lines; exits 1 on any error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { XMLValidator, XMLParser } = require('fast-xml-parser');
const { ComponentSet, MetadataConverter } = require('@salesforce/source-deploy-retrieve');

// Platform-event field types allowed by Salesforce (platform_events_define_ui): Checkbox, Date, Date/Time,
// Number, Text and Text Area (Long).
const PLATFORM_EVENT_FIELD_TYPES = new Set(['Checkbox', 'Date', 'DateTime', 'Number', 'Text', 'LongTextArea']);
// Markup that is not -meta.xml but must still be well-formed XML.
const XML_CONTENT = /\.(cmp|app|evt|intf|design|tokens|auradoc)$/;

const projectDir = path.resolve(process.argv[2] || '.');
const errors = [];
const rel = (p) => path.relative(projectDir, p);
const fail = (file, msg) => errors.push(`ERROR ${rel(file)}: ${msg}`);

function walk(dir, out) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (entry.name === 'node_modules' || entry.name === '__tests__' || entry.name.startsWith('.')) continue;
            walk(p, out);
        } else {
            out.push(p);
        }
    }
    return out;
}

function rootElement(file) {
    const parser = new XMLParser({ ignoreAttributes: true, ignoreDeclaration: true, ignorePiTags: true });
    const doc = parser.parse(fs.readFileSync(file, 'utf8'));
    return Object.keys(doc).find((k) => !k.startsWith('#')) || '';
}

function fieldType(file) {
    const parser = new XMLParser({ ignoreAttributes: true, ignoreDeclaration: true, parseTagValue: false });
    const doc = parser.parse(fs.readFileSync(file, 'utf8'));
    return doc.CustomField ? String(doc.CustomField.type || '') : '';
}

async function main() {
    let project;
    try {
        project = JSON.parse(fs.readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8'));
    } catch (err) {
        console.error(`ERROR sfdx-project.json: ${err.message}`);
        process.exit(1);
    }
    const pkgDirs = project.packageDirectories.map((d) => path.join(projectDir, d.path));

    // 1. Well-formed XML everywhere, before SDR gets a chance to repair it.
    const files = pkgDirs.flatMap((d) => walk(d, []));
    for (const f of files) {
        if (!f.endsWith('-meta.xml') && !XML_CONTENT.test(f)) continue;
        const res = XMLValidator.validate(fs.readFileSync(f, 'utf8'));
        if (res !== true) fail(f, `malformed XML: ${res.err.msg} (line ${res.err.line})`);
    }

    // 2. Every file must belong to a component SDR recognises.
    let set;
    try {
        set = ComponentSet.fromSource({ fsPaths: pkgDirs });
    } catch (err) {
        errors.push(`ERROR ${err.message}`);
        report();
        return;
    }
    const claimed = new Set();
    const claim = (c) => {
        if (c.xml) claimed.add(path.resolve(c.xml));
        if (c.content) {
            for (const p of c.walkContent()) claimed.add(path.resolve(p));
            claimed.add(path.resolve(c.content));
        }
        for (const child of c.getChildren()) visit(child);
    };
    const visit = (c) => {
        claim(c);
        if (!c.xml) return;
        const typeName = c.type.name;
        if (fs.existsSync(c.xml) && !errors.some((e) => e.startsWith(`ERROR ${rel(c.xml)}:`))) {
            const root = rootElement(c.xml);
            if (root !== typeName) fail(c.xml, `root element <${root}> does not match metadata type ${typeName}`);
        }
        if (typeName === 'CustomField') {
            const [object] = c.fullName.split('.');
            if (object === 'Task' || object === 'Event') {
                fail(c.xml, `${c.fullName}: Task and Event custom fields must be under objects/Activity/fields`);
            }
            if (object.endsWith('__e')) {
                const t = fieldType(c.xml);
                if (!PLATFORM_EVENT_FIELD_TYPES.has(t)) {
                    fail(c.xml, `${c.fullName}: type ${t} is not allowed on a platform event (${[...PLATFORM_EVENT_FIELD_TYPES].join(', ')})`);
                }
            }
        }
    };
    for (const c of set.getSourceComponents()) visit(c);
    for (const f of files) {
        if (!claimed.has(path.resolve(f))) fail(f, 'not part of any metadata component (stray file, or a source file without its -meta.xml)');
    }

    // 3. Convert to the Metadata API format, in memory, like `sf project convert source`.
    try {
        const result = await new MetadataConverter().convert(set, 'metadata', { type: 'zip' });
        if (!result.zipBuffer || result.zipBuffer.length === 0) errors.push('ERROR conversion produced no package');
    } catch (err) {
        errors.push(`ERROR conversion failed: ${err.message}`);
    }
    report(set.size);
}

function report(count) {
    for (const e of errors) console.error(e);
    if (errors.length > 0) {
        console.error(`project check: ${errors.length} error(s)`);
        process.exit(1);
    }
    console.log(`project check: ${count} components OK`);
}

main().catch((err) => {
    console.error(`ERROR ${err.name || 'Error'}: ${err.message}`);
    process.exit(1);
});
