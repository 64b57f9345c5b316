import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
// The console carries its own Chinese font: county PCs and test machines may have no CJK font at all.
// Split by unicode-range, so a browser loads only the slices of the characters a page shows.
import '@fontsource/noto-sans-sc/400.css';
import '@fontsource/noto-sans-sc/600.css';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
