#!/usr/bin/env node
// Apex syntax check with @apexdevtools/apex-parser (pure JS): parses every .cls (compilationUnit) and
// .trigger (triggerUnit) under the package directories. It finds syntax errors only, not unknown fields or
// type errors; those need an org (sfdx.md §10.2).
// Usage: node apex-check.js <project-dir>. Prints "N passed, N failed"; exits 1 on any failure.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { ApexParserFactory, ApexErrorListener } = require('@apexdevtools/apex-parser');

class Collector extends ApexErrorListener {
    constructor() {
        super();
        this.errors = [];
    }

    apexSyntaxError(line, column, msg) {
        // ANTLR lists every acceptable token; a long list hides the point.
        const short = msg.length > 160 ? `${msg.replace(/ expecting \{.*$/s, '')} (expecting one of many tokens)` : msg;
        this.errors.push(`${line}:${column} ${short}`);
    }

    syntaxError(recognizer, offendingSymbol, line, column, msg) {
        this.apexSyntaxError(line, column, msg);
    }
}

function walk(dir, out) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p, out);
        } else if (/\.(cls|trigger)$/.test(e.name)) {
            out.push(p);
        }
    }
    return out;
}

const projectDir = path.resolve(process.argv[2] || '.');
const project = JSON.parse(fs.readFileSync(path.join(projectDir, 'sfdx-project.json'), 'utf8'));
let passed = 0;
let failed = 0;
for (const pkg of project.packageDirectories) {
    for (const file of walk(path.join(projectDir, pkg.path), [])) {
        const listener = new Collector();
        const { parser } = ApexParserFactory.createLexerAndParser(fs.readFileSync(file, 'utf8'), listener);
        if (file.endsWith('.trigger')) parser.triggerUnit();
        else parser.compilationUnit();
        const rel = path.relative(projectDir, file);
        if (listener.errors.length > 0) {
            failed++;
            for (const e of listener.errors) console.error(`ERROR ${rel}:${e}`);
        } else {
            passed++;
        }
    }
}
console.log(`apex: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
