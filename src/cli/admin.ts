#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError } from '../config/app-config.js';
import { runAdmin, UsageError } from './admin-commands.js';

runAdmin(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    const expected = e instanceof UsageError || e instanceof ConfigError;
    process.stderr.write(`datarun-admin: ${expected ? e.message : (e as Error).stack}\n`);
    process.exit(expected ? 2 : 1);
  },
);
