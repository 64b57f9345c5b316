#!/usr/bin/env node
'use strict';
require('./runtime').run('apps/api/src/main.js');
