import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('root');
if (root !== null) {
  root.textContent = '';
  render(<App />, root);
}
