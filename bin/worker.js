#!/usr/bin/env node
'use strict';
require('./runtime').run('apps/worker/src/main.js');
