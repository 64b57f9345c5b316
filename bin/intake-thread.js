'use strict';
// An api intake thread (piscina): a new thread resolves the @sanxian/* aliases only once they are registered in it.
const { join } = require('node:path');
const { dist, registerAliases } = require('./runtime');

registerAliases();
module.exports = require(join(dist, 'libs', 'intake', 'src', 'intake-thread.js'));
