// `node --import ./bench/lib/shipped-code-register.mjs`: see shipped-code.mjs.
import { register } from 'node:module';

register('./shipped-code.mjs', import.meta.url);
