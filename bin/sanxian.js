#!/usr/bin/env node
'use strict';
require('./runtime').run('apps/cli/src/main.js');
