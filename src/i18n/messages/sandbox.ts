import type { Catalogue } from '../types.js';

/** Text of src/sandbox (keys start with "sandbox."). */
export const sandboxMessages: Catalogue = {
  'sandbox.starting': {
    'pt-BR': 'Iniciando o servidor FHIR sandbox com {patients} pacientes sintéticos (semente {seed})…',
    en: 'Starting the sandbox FHIR server with {patients} synthetic patients (seed {seed})…',
  },
  'sandbox.listening': {
    'pt-BR': 'Servidor FHIR sandbox (R4) em {url} com {resources} recursos. Ctrl+C para parar.',
    en: 'Sandbox FHIR server (R4) at {url} with {resources} resources. Press Ctrl+C to stop.',
  },
  'sandbox.controlApi': {
    'pt-BR': 'Falhas simuladas: {url} (GET para ver, POST com JSON para ligar, DELETE para desligar).',
    en: 'Fault switches: {url} (GET to view, POST JSON to set, DELETE to clear).',
  },
  'sandbox.stopping': {
    'pt-BR': 'Parando o servidor FHIR sandbox…',
    en: 'Stopping the sandbox FHIR server…',
  },
  'sandbox.stopped': {
    'pt-BR': 'Servidor FHIR sandbox parado.',
    en: 'Sandbox FHIR server stopped.',
  },
};
